# syntax=docker/dockerfile:1.7
# AdPilot gateway: the public entry point; serves the SPA and proxies /api/<service>/ to the services.
# Build from the repository root with the shared stages of base.Dockerfile:
#   docker buildx bake -f deploy/docker/docker-bake.hcl gateway
# (`python-build` and `python-runtime` below are named build contexts that the bake
# file maps to base.Dockerfile's targets; see deploy/README.md.)

ARG NODE_IMAGE=node:20-bookworm-slim

# The React SPA (web/dist), which the gateway serves. Lockfile first: `npm ci` stays
# cached until the dependencies change.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python-build AS build
# Layer 1: the third-party dependencies of adpilot-gateway only (--no-dev: no test tooling, no
# embedded nats-server/pgserver), cached until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-gateway --no-install-workspace
# Layer 2: the workspace code it runs, adpilot-common and adpilot-gateway. Editable on purpose:
# the gateway finds /app/web/dist relative to its sources (layout mirrors the repository).
COPY libs/common/ libs/common/
COPY services/gateway/ services/gateway/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-gateway \
 && python -m compileall -q libs/common/src services/gateway

FROM python-runtime
LABEL org.opencontainers.image.title="adpilot-gateway"
# Root-owned and read-only for the runtime user.
COPY --from=build /app /app
COPY --from=web /src/web/dist /app/web/dist
USER 10001:10001
EXPOSE 8000
# Liveness only (/readyz also needs the database and NATS); Kubernetes uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Exits 0 after a graceful SIGTERM, 3 when the service fails to start.
CMD ["python", "-m", "adpilot_common.serve", "gateway", "--host", "0.0.0.0", "--port", "8000"]
