from tests.support.fixtures import api, home  # noqa: F401
