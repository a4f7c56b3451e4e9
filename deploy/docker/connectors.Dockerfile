# syntax=docker/dockerfile:1.7
# AdPilot connectors: ad-platform connectors (Google Ads, Meta, TikTok).
# Build from the repository root with the shared stages of base.Dockerfile:
#   docker buildx bake -f deploy/docker/docker-bake.hcl connectors
# (`python-build` and `python-runtime` below are named build contexts that the bake
# file maps to base.Dockerfile's targets; see deploy/README.md.)

FROM python-build AS build
# Layer 1: the third-party dependencies of adpilot-connectors only (--no-dev: no test tooling, no
# embedded nats-server/pgserver), cached until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-connectors --no-install-workspace
# Layer 2: the workspace code it runs, adpilot-common and adpilot-connectors. Editable on purpose:
# adpilot_common.migrate finds alembic.ini and migrations/ next to the package's sources.
COPY libs/common/ libs/common/
COPY services/connectors/ services/connectors/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-connectors \
 && python -m compileall -q libs/common/src services/connectors

FROM python-runtime
LABEL org.opencontainers.image.title="adpilot-connectors"
# Root-owned and read-only for the runtime user.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8002
# Liveness only (/readyz also needs the database and NATS); Kubernetes uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8002/healthz', timeout=4)"]
# Exits 0 after a graceful SIGTERM, 3 when the service fails to start. Migrations:
#   python -m adpilot_common.migrate connectors
CMD ["python", "-m", "adpilot_common.serve", "connectors", "--host", "0.0.0.0", "--port", "8002"]
