# syntax=docker/dockerfile:1
# Build stage: build the wheel with the tools it needs, none of which ships.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md openapi.yaml ./
COPY optimizer_api ./optimizer_api
RUN pip install --no-cache-dir build==1.2.2 \
    && python -m build --wheel --outdir /wheels

# Runtime stage: the service and its dependencies only, as an unprivileged user.
# It listens on 0.0.0.0, so it refuses to start until an API token exists (or
# OPTIMIZER_AUTH=off says to serve open). Create the first admin token once, on the same
# store; it is printed once, only its hash is kept:
#   docker run --rm -v optimizer-data:/data optimizer-api \
#       optimizer-api token create --owner admin --role admin
# (with PostgreSQL, pass the same -e OPTIMIZER_DB_URL=... instead of the volume). The
# schema is migrated at start (OPTIMIZER_MIGRATE_AT_START=false: run `optimizer-api
# migrate` as a release step instead).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    OPTIMIZER_BIND=0.0.0.0:8000 \
    OPTIMIZER_DB_URL=sqlite:////data/optimizer-api.db
# The dependencies at the exact versions of requirements.lock (`make lock`), then the
# service's wheel alone: nothing is resolved at build time.
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir -r /tmp/requirements.lock \
    && pip install --no-cache-dir --no-deps /wheels/*.whl \
    && rm -rf /wheels /tmp/requirements.lock \
    && useradd --create-home --uid 10001 optimizer \
    && mkdir /data \
    && chown 10001 /data
USER 10001
WORKDIR /home/optimizer
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "python:optimizer_api.gunicorn_conf", "optimizer_api.wsgi:app"]
