# AdPilot developer entry points (GNU make). `make help` lists them.
#
# Python: one uv workspace in .venv (uv itself comes from PATH, else it is bootstrapped into .tools/).
# Web: the Vite/React SPA in web/ (Node.js >= 20.19), built into web/dist, which the gateway serves.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
UV_VERSION ?= 0.13.9
# uv from PATH if there is one, else a private copy bootstrapped into $(TOOLS) (the $(TOOLS)/bin/uv rule below).
ifndef UV
  UV := $(shell command -v uv 2>/dev/null)
  ifeq ($(UV),)
    UV := $(TOOLS)/bin/uv
    UV_BOOTSTRAP := $(UV)
  endif
endif
NODE_MIN := 20.19
CHROMIUM ?= /usr/bin/chromium

# Extra arguments: `make run ARGS="--gateway-port 9000"`, `make test PYTEST_ARGS="-k launcher -x"`.
ARGS ?=
PYTEST_ARGS ?=

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json web/package-lock.json
NODE_STAMP := web/node_modules/.package-lock.json
SERVICE_SRCS := $(wildcard services/*/src)

.PHONY: help install python-deps web-deps check-node pango web api-client run test test-python test-web test-browser chaos abuse images lint bench clean distclean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: python-deps web-deps ## install Python (uv sync) and web (npm ci) dependencies; safe to repeat

python-deps: $(UV_BOOTSTRAP)
	$(UV) sync --all-packages --frozen

$(TOOLS)/bin/uv:
	@echo "uv is not on PATH: installing uv $(UV_VERSION) into $(TOOLS)/"
	@python3 -m venv $(TOOLS) || { echo "error: 'python3 -m venv' failed: install the venv module (Debian/Ubuntu: apt-get install -y python3-venv) or install uv yourself" >&2; exit 1; }
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

check-node:
	@command -v node >/dev/null 2>&1 || { echo "error: Node.js >= $(NODE_MIN) is needed for the web app, but 'node' is not on PATH (Debian: apt-get install -y nodejs from NodeSource, or use nvm)" >&2; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); const [x, y] = "$(NODE_MIN)".split(".").map(Number); process.exit(a > x || (a === x && b >= y) ? 0 : 1)' \
		|| { echo "error: Node.js >= $(NODE_MIN) is needed for the web app, found $$(node --version)" >&2; exit 1; }

web-deps: check-node $(NODE_STAMP)

# npm ci only when node_modules is missing or older than the lock file.
$(NODE_STAMP): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web: check-node web/dist/index.html ## build the SPA into web/dist (only when its sources changed)

web/dist/index.html: $(WEB_SOURCES) $(NODE_STAMP)
	cd web && npm run build
	@touch $@

# The typed API client's inputs: the services' merged OpenAPI (built in-process, nothing started) and the
# TypeScript types generated from it. Both are committed; tests fail when either is stale.
api-client: python-deps web-deps ## regenerate web/openapi.json (from the services) and web/src/api/schema.d.ts
	$(PY) -m adpilot_gateway.openapi_export
	cd web && npm run gen:api

run: install web ## run the whole stack on 127.0.0.1 (gateway: http://127.0.0.1:8000); Ctrl-C stops it
	$(PY) -m adpilot_common.devstack run $(ARGS)

test: test-python test-web ## all Python tests but the browser ones, then the web unit tests and type check

# WeasyPrint (PDF reports) loads Pango at run time: install it (as root on Debian/Ubuntu) or say how.
PANGO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pango:
	@ldconfig -p 2>/dev/null | grep 'libpangoft2-1.0.so.0' >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Pango for PDF reports: $(PANGO_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PANGO_PACKAGES) >/dev/null; \
	else \
		echo "error: PDF reports need Pango: install $(PANGO_PACKAGES) (Debian/Ubuntu) or pango (macOS: brew install pango)" >&2; exit 1; \
	fi

test-python: install web pango # the launcher tests need web/dist
	$(PY) -m pytest -m "not browser and not chaos" $(PYTEST_ARGS)

test-web: web-deps
	cd web && npm test
	cd web && npm run typecheck

test-browser: install web ## Playwright tests in the system Chromium against the real stack
	@test -x $(CHROMIUM) || { echo "error: $(CHROMIUM) not found: apt-get install -y chromium (or make test-browser CHROMIUM=/path/to/chromium)" >&2; exit 1; }
	ADPILOT_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -m browser $(PYTEST_ARGS)

chaos: install web pango ## resilience suite: kill -9 each service, NATS restart, PostgreSQL down, replicas, poison
	$(PY) -m pytest resilience -m chaos -s -p no:cacheprovider $(PYTEST_ARGS)

abuse: install pango ## abuse suite: schemathesis, cross-tenant walk, sign-in brute force, malformed bodies
	$(PY) -m pytest abuse -s -p no:cacheprovider $(PYTEST_ARGS)

images: ## build the six service images with docker buildx bake (needs Docker; REGISTRY=… TAG=… to name them)
	docker buildx bake -f deploy/docker/docker-bake.hcl --load

lint: python-deps ## ruff (lint + format check) and mypy (strict on libs/common/src)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict libs/common/src
	$(VENV)/bin/mypy $(SERVICE_SRCS)

bench: python-deps ## benchmarks: delivery (bench/run.py, options via ARGS=...), auth, sandbox sync, metrics ingestion and queries, gateway, load test
	$(PY) bench/run.py $(ARGS)
	$(PY) bench/auth.py
	$(PY) bench/sandbox_sync.py
	$(PY) bench/ingest.py
	$(PY) bench/dashboard_query.py
	$(PY) bench/gateway.py
	$(PY) bench/load.py

clean: ## remove build output and caches (keeps .venv, node_modules and the dev data in .data)
	rm -rf web/dist .pytest_cache .mypy_cache .ruff_cache
	find . \( -path ./.venv -o -path ./.tools -o -path ./web/node_modules -o -path ./.data \) -prune \
		-o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## also remove .venv, .tools, web/node_modules and the dev data in .data
	rm -rf $(VENV) $(TOOLS) web/node_modules .data
