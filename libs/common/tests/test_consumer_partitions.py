"""How a pulled batch is split for parallel apply: a key never spans two groups, and stream order holds in each."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.consumer import Delivery, EventConsumer, RetryPolicy


class Item(BaseModel):
    key: str
    n: int


async def _never_called(*_: Any) -> None:
    raise AssertionError("not applied in these tests")


def consumer(parallelism: int, *, keyed: bool = True) -> EventConsumer[Item]:
    return EventConsumer(
        "probe",
        "probe.v1.item",
        _never_called,
        sessions=None,  # type: ignore[arg-type]  # nothing is applied
        retry=RetryPolicy(),
        payload_model=Item,
        partition_key=(lambda _event, item: item.key) if keyed else None,
        parallelism=parallelism,
    )


def deliveries(*items: tuple[str, int]) -> list[Delivery[Item]]:
    out = []
    for key, n in items:
        item = Item(key=key, n=n)
        envelope = EventEnvelope(
            type="probe.v1.item", source="test", org_id=uuid.uuid4(), data=item.model_dump()
        )
        out.append(Delivery(None, envelope, item))  # type: ignore[arg-type]  # raw is not used to split
    return out


def test_keys_stay_whole_and_in_order_across_at_most_parallelism_groups() -> None:
    batch = deliveries(*((f"account-{i % 7}", i) for i in range(70)))
    groups = consumer(3)._partition(batch)
    assert 1 < len(groups) <= 3
    assert sorted(d.payload.n for g in groups for d in g) == list(range(70))  # nothing lost or doubled
    owner: dict[str, int] = {}
    for index, group in enumerate(groups):
        for delivery in group:
            assert owner.setdefault(delivery.payload.key, index) == index  # one key, one group
        ns = [d.payload.n for d in group]
        assert ns == sorted(ns)  # stream order within the group


def test_without_a_key_or_with_parallelism_one_the_batch_is_one_group() -> None:
    batch = deliveries(("a", 1), ("b", 2), ("c", 3))
    assert consumer(4, keyed=False)._partition(batch) == [batch]
    assert consumer(1)._partition(batch) == [batch]


def test_groups_are_balanced_by_deliveries_not_by_key_hash() -> None:
    # One busy account and five quiet ones: the busy one gets a group to itself, the quiet ones share the other.
    batch = deliveries(*([("busy", i) for i in range(5)] + [(f"quiet-{i}", 10 + i) for i in range(5)]))
    groups = consumer(2)._partition(batch)
    assert sorted(len(g) for g in groups) == [5, 5]
    assert {d.payload.key for d in max(groups, key=lambda g: g[0].payload.key == "busy")} == {"busy"}
