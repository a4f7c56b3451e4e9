"""Which rows of a batch the merge receives (no database needed)."""

from __future__ import annotations

import gc
import json
from datetime import date

from adpilot_common.events.contracts.metrics import MetricRow, MetricsFetched
from adpilot_metrics.ingestion.repository import MERGE, MERGE_ROWS, MergeRow
from adpilot_metrics.ingestion.service import latest_per_key

from .conftest import row

D1, D2 = date(2026, 11, 20), date(2026, 11, 21)


def test_a_key_named_twice_keeps_its_last_row_in_first_seen_order() -> None:
    rows = [row("c1", D1, 1), row("c2", D1, 2), row("c1", D1, 3), row("c1", D2, 4)]
    assert [(r["campaign_id"], r["day"], r["impressions"]) for r in latest_per_key(rows)] == [
        ("c1", D1, 3000),
        ("c2", D1, 2000),
        ("c1", D2, 4000),
    ]


def test_absent_none_and_empty_ad_ids_are_one_campaign_level_key() -> None:
    absent = MetricRow(row("c1", D1, 1))
    del absent["ad_group_id"], absent["ad_id"]
    rows = [absent, row("c1", D1, 2), MetricRow(row("c1", D1, 3), ad_group_id="", ad_id="")]
    assert [r["impressions"] for r in latest_per_key(rows)] == [3000]


def test_distinct_keys_pass_through_unchanged() -> None:
    rows = [row("c1", D1, 1, ad_group="g", ad="a1"), row("c1", D1, 2, ad_group="g", ad="a2")]
    assert latest_per_key(rows) is rows


def test_rows_decode_as_plain_dicts_the_collector_does_not_track() -> None:
    batch = MetricsFetched.model_validate_json(
        b'{"sync_run_id": "00000000-0000-4000-8000-000000000001", "account_id": '
        b'"00000000-0000-4000-8000-000000000002", "platform": "sandbox", "external_account_id": "1", '
        b'"currency": "EUR", "time_zone": "UTC", "rows": [{"campaign_id": "c1", "day": "2026-11-20", '
        b'"impressions": 1, "clicks": 0, "spend_micros": 0, "conversions": "0.5", '
        b'"conversion_value_micros": 0}]}'
    )
    assert type(batch.rows[0]) is dict and not gc.is_tracked(batch.rows[0])


def test_the_merge_parameter_carries_every_field_of_the_contract_under_its_own_name() -> None:
    [row_json] = json.loads(MERGE_ROWS.dump_json([row("c1", D1, 2, ad_group="g", ad="a")], by_alias=True))
    assert set(MergeRow.__annotations__) == set(MetricRow.__annotations__)  # a new field cannot be dropped
    assert len(row_json) == len(MetricRow.__annotations__)  # one distinct key each
    assert row_json == {
        "c": "c1",
        "g": "g",
        "a": "a",
        "d": "2026-11-20",
        "i": 2000,
        "k": 20,
        "s": 2_000_000,
        "v": "1",
        "w": 10_000_000,
    }
    for key in row_json:  # each is a column of the merge's json_to_recordset
        assert f" {key} " in MERGE.text or f"({key} " in MERGE.text
