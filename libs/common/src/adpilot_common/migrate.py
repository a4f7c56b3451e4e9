"""``python -m adpilot_common.migrate <service>``: run a service's Alembic migrations to head."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICES = ("auth", "connectors", "ai-copy", "metrics", "notify")


def service_dir(service: str) -> Path:
    """The service's project dir (holds alembic.ini), located through its installed package."""
    package = "adpilot_" + service.replace("-", "_")
    src = Path(str(resources.files(package)))
    return src.parent.parent


def alembic_config(service: str, database_url: str | None = None) -> Config:
    root = service_dir(service)
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--revision", default="head")
    args = parser.parse_args()
    upgrade(args.service, revision=args.revision)


if __name__ == "__main__":
    main()
