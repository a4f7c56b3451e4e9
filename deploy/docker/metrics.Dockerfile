# syntax=docker/dockerfile:1.7
# AdPilot metrics: metrics ingestion, dashboards, budgets, alerts, reports.
# Build from the repository root with the shared stages of base.Dockerfile:
#   docker buildx bake -f deploy/docker/docker-bake.hcl metrics
# (`python-build` and `python-runtime` below are named build contexts that the bake
# file maps to base.Dockerfile's targets; see deploy/README.md.)

FROM python-build AS build
# Layer 1: the third-party dependencies of adpilot-metrics only (--no-dev: no test tooling, no
# embedded nats-server/pgserver), cached until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-metrics --no-install-workspace
# Layer 2: the workspace code it runs, adpilot-common and adpilot-metrics. Editable on purpose:
# adpilot_common.migrate finds alembic.ini and migrations/ next to the package's sources.
COPY libs/common/ libs/common/
COPY services/metrics/ services/metrics/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package adpilot-metrics \
 && python -m compileall -q libs/common/src services/metrics

FROM python-runtime
# WeasyPrint (PDF reports) lays text out with Pango (HarfBuzz, FreeType, fontconfig)
# and needs a font: DejaVu covers Latin, Greek and Cyrillic.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
LABEL org.opencontainers.image.title="adpilot-metrics"
# Root-owned and read-only for the runtime user.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8004
# Liveness only (/readyz also needs the database and NATS); Kubernetes uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8004/healthz', timeout=4)"]
# Exits 0 after a graceful SIGTERM, 3 when the service fails to start. Migrations:
#   python -m adpilot_common.migrate metrics
CMD ["python", "-m", "adpilot_common.serve", "metrics", "--host", "0.0.0.0", "--port", "8004"]
