# syntax=docker/dockerfile:1.7
# AdPilot notify: notifications (email, WhatsApp, Signal, webhooks).
# Build from the repository root with the shared stages of base.Dockerfile:
#   docker buildx bake -f deploy/docker/docker-bake.hcl notify
# (`python-build` and `python-runtime` below are named build contexts that the bake
# file maps to base.Dockerfile's targets; see deploy/README.md.)

FROM python-build AS build
# Layer 1: the third-party dependencies of adpilot-notify only (--no-dev: no test tooling, no
# embedded nats-server/pgserver), cached until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-notify --no-install-workspace
# Layer 2: the workspace code it runs, adpilot-common and adpilot-notify. Editable on purpose:
# adpilot_common.migrate finds alembic.ini and migrations/ next to the package's sources.
COPY libs/common/ libs/common/
COPY services/notify/ services/notify/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-notify \
 && python -m compileall -q libs/common/src services/notify

FROM python-runtime
LABEL org.opencontainers.image.title="adpilot-notify"
# Root-owned and read-only for the runtime user.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8005
# Liveness only (/readyz also needs the database and NATS); Kubernetes uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8005/healthz', timeout=4)"]
# Exits 0 after a graceful SIGTERM, 3 when the service fails to start. Migrations:
#   python -m adpilot_common.migrate notify
CMD ["python", "-m", "adpilot_common.serve", "notify", "--host", "0.0.0.0", "--port", "8005"]
