# syntax=docker/dockerfile:1.7
# AdPilot ai-copy: AI ad-copy generation.
# Build from the repository root with the shared stages of base.Dockerfile:
#   docker buildx bake -f deploy/docker/docker-bake.hcl ai-copy
# (`python-build` and `python-runtime` below are named build contexts that the bake
# file maps to base.Dockerfile's targets; see deploy/README.md.)

FROM python-build AS build
# Layer 1: the third-party dependencies of adpilot-ai-copy only (--no-dev: no test tooling, no
# embedded nats-server/pgserver), cached until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-ai-copy --no-install-workspace
# Layer 2: the workspace code it runs, adpilot-common and adpilot-ai-copy. Editable on purpose:
# adpilot_common.migrate finds alembic.ini and migrations/ next to the package's sources.
COPY libs/common/ libs/common/
COPY services/ai-copy/ services/ai-copy/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-ai-copy \
 && python -m compileall -q libs/common/src services/ai-copy

FROM python-runtime
LABEL org.opencontainers.image.title="adpilot-ai-copy"
# Root-owned and read-only for the runtime user.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8003
# Liveness only (/readyz also needs the database and NATS); Kubernetes uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8003/healthz', timeout=4)"]
# Exits 0 after a graceful SIGTERM, 3 when the service fails to start. Migrations:
#   python -m adpilot_common.migrate ai-copy
CMD ["python", "-m", "adpilot_common.serve", "ai-copy", "--host", "0.0.0.0", "--port", "8003"]
