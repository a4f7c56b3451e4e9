"""Committed JSON Schema snapshots of every event payload, their compatibility rules, and the AsyncAPI document.

``python -m adpilot_common.events.catalogue --write`` refreshes the snapshots and docs/asyncapi.json after an
intentional, *compatible* change. Inside a major version only additive changes are allowed: no property removed,
no property type changed, no new required property. A breaking change needs a new ``v<major+1>`` subject.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.registry import CONTRACTS
from adpilot_common.events.streams import stream_for_subject

SNAPSHOT_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_PATH = Path(__file__).resolve().parents[5] / "docs" / "asyncapi.json"

Schema = dict[str, Any]


def snapshot_path(subject: str) -> Path:
    return SNAPSHOT_DIR / f"{subject}.json"


def load_snapshot(subject: str) -> Schema | None:
    path = snapshot_path(subject)
    return json.loads(path.read_text()) if path.exists() else None


def breaking_changes(old: Schema, new: Schema, where: str = "") -> list[str]:
    """What in ``new`` breaks consumers written against ``old`` (recursing into nested objects)."""
    problems: list[str] = []
    old_props: dict[str, Schema] = old.get("properties", {})
    new_props: dict[str, Schema] = new.get("properties", {})
    for name, old_prop in old_props.items():
        path = f"{where}.{name}" if where else name
        if name not in new_props:
            problems.append(f"{path}: removed")
            continue
        if _type_of(old_prop) != _type_of(new_props[name]):
            problems.append(f"{path}: type {_type_of(old_prop)} -> {_type_of(new_props[name])}")
        problems += breaking_changes(old_prop, new_props[name], path)
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{where + '.' if where else ''}{n}: newly required" for n in sorted(newly_required)]
    return problems


def _type_of(prop: Schema) -> Any:
    if "anyOf" in prop:
        return sorted(json.dumps(_type_of(p), sort_keys=True) for p in prop["anyOf"])
    return prop.get("type"), prop.get("format"), prop.get("$ref")


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for subject, contract in sorted(CONTRACTS.items()):
        key = subject.replace(".", "_")
        messages[key] = {
            "name": subject,
            "summary": contract.description,
            "headers": {
                "type": "object",
                "properties": {"Nats-Msg-Id": {"type": "string", "format": "uuid"}},
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/EventEnvelope"},
                    {"type": "object", "properties": {"data": contract.model.model_json_schema()}},
                ]
            },
        }
        channels[key] = {
            "address": subject,
            "description": f"Published by {contract.producer} on stream {stream_for_subject(subject).name}.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "AdPilot events",
            "version": "1.0.0",
            "description": "Every event is an EventEnvelope; `id` is also the JetStream Nats-Msg-Id.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages, "schemas": {"EventEnvelope": EventEnvelope.model_json_schema()}},
    }


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_all() -> None:
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    for subject, contract in CONTRACTS.items():
        old = load_snapshot(subject)
        new = contract.model.model_json_schema()
        if old is not None and (problems := breaking_changes(old, new)):
            raise SystemExit(
                f"{subject} has breaking changes {problems}; publish a new major subject instead"
            )
        snapshot_path(subject).write_text(render(new))
    ASYNCAPI_PATH.parent.mkdir(exist_ok=True)
    ASYNCAPI_PATH.write_text(render(asyncapi_document()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="refresh snapshots and docs/asyncapi.json")
    if parser.parse_args().write:
        write_all()


if __name__ == "__main__":
    main()
