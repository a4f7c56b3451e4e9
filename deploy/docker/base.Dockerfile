# syntax=docker/dockerfile:1.7
#
# Shared stages of the six AdPilot service images (deploy/docker/<service>.Dockerfile).
# Not an image of its own: docker-bake.hcl builds the two targets below and hands them
# to every service Dockerfile as the named build contexts `python-build` and
# `python-runtime` (`FROM python-build`, `FROM python-runtime`). Build context: the
# repository root.
#
# Both stages start from the same Python image, so the virtual environment built in
# one keeps valid interpreter symlinks in the other.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------
# python-build: uv, the lockfile and the metadata of every workspace member. The
# service Dockerfiles then run `uv sync --package adpilot-<service>` twice: the
# third-party dependencies first (cached until uv.lock changes), their own code second.
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS python-build
ARG UV_VERSION=0.13.9
# UV_COMPILE_BYTECODE: site-packages ship as .pyc, nothing is compiled (written) at run time.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Every member's pyproject.toml (metadata only, a few bytes each): uv resolves the
# workspace from them; only the member being built gets its sources copied later.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/pyproject.toml
COPY services/auth/pyproject.toml services/auth/pyproject.toml
COPY services/connectors/pyproject.toml services/connectors/pyproject.toml
COPY services/ai-copy/pyproject.toml services/ai-copy/pyproject.toml
COPY services/metrics/pyproject.toml services/metrics/pyproject.toml
COPY services/notify/pyproject.toml services/notify/pyproject.toml
COPY services/gateway/pyproject.toml services/gateway/pyproject.toml

# ---------------------------------------------------------------------------
# python-runtime: the base of every service image. Fixed numeric UID/GID 10001 so
# Kubernetes `runAsNonRoot` can verify it without resolving names; the services write
# nothing to the image (read-only root filesystem, /tmp is a tmpfs/emptyDir).
# The service Dockerfiles switch to `USER 10001:10001` last (metrics installs
# system libraries first).
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS python-runtime
RUN groupadd --system --gid 10001 adpilot \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin adpilot
# PYTHONDONTWRITEBYTECODE: never try to write __pycache__ into the read-only image
# (everything is compiled at build time).
ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONFAULTHANDLER=1
WORKDIR /app
