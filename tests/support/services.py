"""PostgreSQL and Redis that the machine runs on loopback, when they run."""

import pytest

from tests.support.ports import LOOPBACK, port_answers

POSTGRES_PORT = 5432
REDIS_PORT = 6379
POSTGRES_URL = f"postgresql://postgres@{LOOPBACK}:{POSTGRES_PORT}/postgres"
REDIS_URL = f"redis://{LOOPBACK}:{REDIS_PORT}/0"


def postgres_url_or_skip() -> str:
    if not port_answers(POSTGRES_PORT):
        pytest.skip(
            f"PostgreSQL does not answer on {LOOPBACK}:{POSTGRES_PORT} "
            "(.ci/run starts it when installed)"
        )
    return POSTGRES_URL


def redis_url_or_skip() -> str:
    if not port_answers(REDIS_PORT):
        pytest.skip(
            f"Redis does not answer on {LOOPBACK}:{REDIS_PORT} "
            "(.ci/run starts it when installed)"
        )
    return REDIS_URL
