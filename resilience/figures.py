"""The figures every scenario reports: one printed line each, all of them collected into one JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adpilot_common.devstack.launcher import repo_root


def results_path() -> Path:
    """``$ADPILOT_CHAOS_RESULTS``, else ``<repo>/.data/chaos/results.json`` (not committed)."""
    configured = os.environ.get("ADPILOT_CHAOS_RESULTS")
    return Path(configured) if configured else repo_root() / ".data" / "chaos" / "results.json"


@dataclass
class Figures:
    scenario: str
    sent: int = 0  # acknowledged: PubAck received, API answered 2xx, or the outbox recorded the event
    processed: int = 0  # acknowledged items whose effect was found
    lost: int = 0
    duplicated: int = 0  # effects found more than once
    recovery_s: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.1f}s"
        extra = " ".join(f"{k}={v}" for k, v in self.details.items() if not isinstance(v, dict | list))
        return (
            f"[chaos] {self.scenario}: sent={self.sent} processed={self.processed} lost={self.lost} "
            f"duplicated={self.duplicated} recovery={recovery} {extra}"
        ).rstrip()


class Report:
    """Accumulates the run's figures; written after every scenario so a failed run still leaves its numbers."""

    def __init__(self, path: Path, machine: dict[str, Any]) -> None:
        self.path = path
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.machine = machine
        self.scenarios: list[Figures] = []

    def add(self, figures: Figures) -> None:
        print(figures.line(), flush=True)
        self.scenarios.append(figures)
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "started": self.started,
            "machine": self.machine,
            "scenarios": [asdict(f) for f in self.scenarios],
        }
        self.path.write_text(json.dumps(body, indent=2, default=str) + "\n")
