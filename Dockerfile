# Mailing Manager: one process serving the API, the webhooks and the workers.
# Builds on amd64 and arm64 alike (pure-Python package on a multi-arch base).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MAILING_MANAGER_HOME=/data \
    MAILING_MANAGER_WEBHOOKS__HOST=0.0.0.0 \
    MAILING_MANAGER_WEBHOOKS__PORT=3100

RUN groupadd --system --gid 10001 mailing \
    && useradd --system --uid 10001 --gid mailing --home-dir /data --shell /usr/sbin/nologin mailing \
    && mkdir -p /data /src \
    && chown mailing:mailing /data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY mcp_adapter ./mcp_adapter
COPY migrations ./migrations
# The same install step as the README's: pip installs the package and its deps.
RUN pip install --no-cache-dir . && rm -rf /src

WORKDIR /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3100

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MAILING_MANAGER_WEBHOOKS__PORT', '3100'), timeout=4)"]

ENTRYPOINT ["mailing-manager"]
CMD ["server"]
