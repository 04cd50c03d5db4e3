# syntax=docker/dockerfile:1
# One image for every ServiceFlow process: the Procfile's web, worker and beat, and the
# release step. `docker build -t serviceflow .` then `docker run serviceflow web|worker|beat|migrate`
# (deploy/docker-entrypoint.sh; docs/deploy.md).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# uv's own image carries only the binary; the builder copies it from there.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
# The base image's Python, never one uv downloads: the runtime stage has the same one at the
# same path, so the virtual environment's interpreter link still points at a real Python there.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
# The dependencies alone first, exactly as locked: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . .
# Static files are collected (hashed and compressed) once, into the image. The key and the
# in-memory broker keep the build from writing a secret or queue folders into var/.
RUN DJANGO_SETTINGS_MODULE=config.settings.base \
    SERVICEFLOW_VAR_DIR=/app/var \
    DJANGO_SECRET_KEY=collectstatic-at-build-time-only \
    CELERY_BROKER_URL=memory:// \
    /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0

FROM ${PYTHON_IMAGE} AS runtime
# A fixed numeric id, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
RUN groupadd --system --gid 10001 serviceflow \
    && useradd --system --uid 10001 --gid serviceflow --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin serviceflow
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    SERVICEFLOW_VAR_DIR=/app/var \
    PORT=8000
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# Code and static files stay root's (read-only to the app); only var/ (beat's schedule) and
# /data/private, where deployments mount PRIVATE_MEDIA_ROOT, are the app's to write. A new named
# volume mounted there takes this folder's owner.
COPY --from=builder /app /app
RUN mkdir -p /data/private \
    && chown serviceflow:serviceflow /app/var /data/private
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/deploy/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["web"]
