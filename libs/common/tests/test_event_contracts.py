"""The event catalogue cannot drift: snapshots match, changes stay compatible, AsyncAPI is current."""

import pytest

from adpilot_common.events.catalogue import (
    ASYNCAPI_PATH,
    SNAPSHOT_DIR,
    asyncapi_document,
    breaking_changes,
    load_snapshot,
    render,
)
from adpilot_common.events.registry import CONTRACTS
from adpilot_common.events.streams import stream_for_subject

FIX = "run `python -m adpilot_common.events.catalogue --write` after a compatible change"


@pytest.mark.parametrize("subject", sorted(CONTRACTS))
def test_payload_schema_matches_committed_snapshot(subject):
    snapshot = load_snapshot(subject)
    assert snapshot is not None, f"no snapshot for {subject}: {FIX}"
    current = CONTRACTS[subject].model.model_json_schema()
    assert breaking_changes(snapshot, current) == [], f"{subject} changed incompatibly; use a v2 subject"
    assert current == snapshot, f"{subject} changed compatibly but the snapshot is stale: {FIX}"


def test_no_snapshot_without_a_contract():
    orphans = {p.stem for p in SNAPSHOT_DIR.glob("*.json")} - set(CONTRACTS)
    assert not orphans, f"contracts removed within a major version: {orphans}"


@pytest.mark.parametrize("subject", sorted(CONTRACTS))
def test_subject_grammar_and_stream(subject):
    aggregate, version, event = subject.split(".")
    assert version.startswith("v") and version[1:].isdigit()
    assert event.islower() and aggregate.islower()
    assert stream_for_subject(subject).name


def test_compatibility_rules_catch_breaking_changes():
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert (
        breaking_changes(
            old,
            {
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "string"}},
                "required": ["a"],
            },
        )
        == []
    )
    assert breaking_changes(old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}) == [
        "b: removed"
    ]
    assert breaking_changes(
        old, {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}
    ) == ["a: type ('string', None, None) -> ('integer', None, None)"]
    assert breaking_changes(old, {**old, "required": ["a", "b"]}) == ["b: newly required"]


def test_asyncapi_document_is_current():
    assert ASYNCAPI_PATH.read_text() == render(asyncapi_document()), FIX
