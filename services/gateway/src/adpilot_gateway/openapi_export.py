"""Write the merged OpenAPI document of the public API to ``web/openapi.json`` without running anything.

Each service's FastAPI app is built in-process from its default settings (nothing connects: the runtime
only connects when the app's lifespan starts) and its ``app.openapi()`` is merged exactly as the gateway's
``GET /api/openapi.json`` merges the live ones. The SPA's TypeScript types (``web/src/api/schema.d.ts``)
are generated from that file (``npm run gen:api``); ``make api-client`` does both.

    python -m adpilot_gateway.openapi_export            # (re)write web/openapi.json
    python -m adpilot_gateway.openapi_export --check    # exit 1 when the committed file is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from adpilot_gateway.config import REPO_ROOT
from adpilot_gateway.openapi import merge

DEFAULT_OUTPUT = REPO_ROOT / "web" / "openapi.json"

# Route prefix (/api/<name>, as in gateway Settings.upstreams()) -> the module with the service's create_app.
# Imported lazily: the gateway itself never depends on the other services' packages.
SERVICE_MODULES: dict[str, str] = {
    "auth": "adpilot_auth.main",
    "connectors": "adpilot_connectors.main",
    "ai-copy": "adpilot_ai_copy.main",
    "metrics": "adpilot_metrics.main",
    "notify": "adpilot_notify.main",
}

REGENERATE_HINT = "run `make api-client` and commit web/openapi.json and web/src/api/schema.d.ts"


def build_app(module_name: str) -> FastAPI:
    """A service's app, built but never started (nothing connects before its lifespan runs)."""
    module = importlib.import_module(module_name)
    # model_construct: the declared defaults only, whatever the environment says, so the output is the same
    # on every machine (and a production-like environment cannot refuse the development secrets).
    settings = module.Settings.model_construct()
    app: FastAPI = module.create_app(settings)
    return app


def service_document(module_name: str) -> dict[str, Any]:
    """One service's OpenAPI document."""
    return build_app(module_name).openapi()


def export_document() -> dict[str, Any]:
    return merge({service: service_document(name) for service, name in SERVICE_MODULES.items()})


def render(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale_message(path: Path) -> str:
    return f"{path} is out of date with the services' OpenAPI: {REGENERATE_HINT}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adpilot_gateway.openapi_export", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default: web/openapi.json")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = render(export_document())
    path: Path = args.output
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(stale_message(path), file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(json.loads(text)['paths'])} paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
