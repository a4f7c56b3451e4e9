"""The publish state of approved copy: queued at approval with a target, then published or failed as connectors'
``connector.v1.copy_published`` / ``copy_publish_failed`` say (published by the test as connectors' relay would,
to a real nats-server; the service's inbox-guarded consumers apply them). A failed publish can be approved
again with a corrected target; outcomes of an earlier approval and redeliveries change nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from pydantic import BaseModel

from adpilot_common.events.contracts.connector import CopyPublished, CopyPublishFailed
from adpilot_common.messaging.outbox import build_event
from adpilot_common.testing.jetstream import consumer_caught_up
from adpilot_common.testing.waiting import eventually

from .conftest import AiCopyService, ServiceFactory
from .test_variants import generate


async def send(
    svc: AiCopyService, org: uuid.UUID, subject: str, data: BaseModel, event_id: uuid.UUID
) -> None:
    """Publish as connectors' relay would (a fresh Nats-Msg-Id: a redelivery, not a de-duplicated repeat) and
    wait until ai-copy's consumer has handled it."""
    event = build_event(subject, data, source="connectors", org_id=org, event_id=event_id)
    ack = await svc.js.publish(subject, event.to_bytes(), headers={"Nats-Msg-Id": str(uuid.uuid4())})
    consumer = f"ai-copy--{subject.replace('.', '-')}"
    await eventually(lambda: consumer_caught_up(svc.js, "CONNECTORS", consumer, ack.seq))


async def variant(svc: AiCopyService, http: httpx.AsyncClient, variant_id: str) -> dict[str, Any]:
    r = await http.get(f"/api/ai-copy/variants/{variant_id}", headers=svc.headers("viewer"))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def approval_id(svc: AiCopyService, variant_id: str) -> uuid.UUID:
    [row] = await svc.rows(
        "SELECT publish_approval_id FROM copy_variants WHERE id = :v", v=uuid.UUID(variant_id)
    )
    found: uuid.UUID = row["publish_approval_id"]
    return found


async def test_publish_state_follows_connectors_and_a_failed_publish_can_be_retargeted(
    ai_copy: ServiceFactory,
) -> None:
    async with ai_copy() as svc, svc.client() as http:
        out = await generate(svc, http, variants=2)
        first, second = (v["id"] for v in out["variants"])
        account = uuid.uuid4()
        target = {"account_id": str(account), "ad_group_id": "adgroup-123"}
        r = await http.post(f"/api/ai-copy/variants/{first}/approve", json=target, headers=svc.headers())
        assert r.status_code == 200, r.text
        assert r.json()["publish"]["state"] == "queued"
        # approved without a target: nothing to publish, no state
        r = await http.post(f"/api/ai-copy/variants/{second}/approve", json={}, headers=svc.headers())
        assert r.status_code == 200 and r.json()["publish"] is None

        first_approval = await approval_id(svc, first)
        failure = CopyPublishFailed(
            copy_id=uuid.UUID(first),
            approval_id=first_approval,
            account_id=account,
            job_id=uuid.uuid4(),
            reason="The platform refused the ad: unknown ad group 'adgroup-123' in account 1234567890",
        )
        failed_event = uuid.uuid4()
        await send(svc, svc.org, "connector.v1.copy_publish_failed", failure, failed_event)
        publish = (await variant(svc, http, first))["publish"]
        assert (publish["state"], publish["reason"], publish["job_id"]) == (
            "failed",
            failure.reason,
            str(failure.job_id),
        )

        # a failed publish is approved again with a corrected target; its copy stays frozen
        path = f"/api/ai-copy/variants/{first}"
        r = await http.patch(path, json={"fields": {"path1": "new"}}, headers=svc.headers())
        assert r.status_code == 409
        r = await http.post(f"{path}/approve", json={}, headers=svc.headers())
        assert r.status_code == 422 and "ad group" in r.json()["detail"]
        retarget = {"account_id": str(account), "ad_group_id": "555"}
        r = await http.post(f"{path}/approve", json=retarget, headers=svc.headers())
        assert r.status_code == 200, r.text
        again = r.json()
        assert again["publish"] == {**again["publish"], "state": "queued", "reason": None, "job_id": None}
        assert again["approval"]["ad_group_id"] == "555"
        second_approval = await approval_id(svc, first)
        assert second_approval != first_approval

        # the earlier approval's failure, redelivered, and a late success of it change nothing
        await send(svc, svc.org, "connector.v1.copy_publish_failed", failure, failed_event)
        stale = CopyPublished(
            copy_id=uuid.UUID(first),
            approval_id=first_approval,
            account_id=account,
            job_id=uuid.uuid4(),
            ad_group_id="adgroup-123",
            ad_id="999",
        )
        await send(svc, svc.org, "connector.v1.copy_published", stale, uuid.uuid4())
        assert (await variant(svc, http, first))["publish"]["state"] == "queued"

        published = CopyPublished(
            copy_id=uuid.UUID(first),
            approval_id=second_approval,
            account_id=account,
            job_id=uuid.uuid4(),
            ad_group_id="555",
            ad_id="777001",
        )
        published_event = uuid.uuid4()
        await send(svc, svc.org, "connector.v1.copy_published", published, published_event)
        publish = (await variant(svc, http, first))["publish"]
        assert (publish["state"], publish["ad_id"], publish["reason"]) == ("published", "777001", None)
        # published is final: no re-approval, and a failure reported afterwards does not undo the ad
        assert (await http.post(f"{path}/approve", json=retarget, headers=svc.headers())).status_code == 409
        late = failure.model_copy(update={"approval_id": second_approval})
        await send(svc, svc.org, "connector.v1.copy_publish_failed", late, uuid.uuid4())
        assert (await variant(svc, http, first))["publish"]["state"] == "published"


async def test_duplicate_outcomes_are_applied_once_and_other_orgs_cannot_touch_a_variant(
    ai_copy: ServiceFactory,
) -> None:
    async with ai_copy() as svc, svc.client() as http:
        out = await generate(svc, http)
        copy_id = out["variants"][0]["id"]
        account = uuid.uuid4()
        target = {"account_id": str(account), "ad_group_id": "42"}
        r = await http.post(f"/api/ai-copy/variants/{copy_id}/approve", json=target, headers=svc.headers())
        assert r.status_code == 200, r.text
        approval = await approval_id(svc, copy_id)
        failure = CopyPublishFailed(
            copy_id=uuid.UUID(copy_id), approval_id=approval, account_id=account, job_id=None, reason="No."
        )
        await send(
            svc, uuid.uuid4(), "connector.v1.copy_publish_failed", failure, uuid.uuid4()
        )  # another org
        assert (await variant(svc, http, copy_id))["publish"]["state"] == "queued"

        event_id = uuid.uuid4()
        await send(svc, svc.org, "connector.v1.copy_publish_failed", failure, event_id)
        before = await svc.rows(
            "SELECT publish_updated_at FROM copy_variants WHERE id = :v", v=uuid.UUID(copy_id)
        )
        await send(svc, svc.org, "connector.v1.copy_publish_failed", failure, event_id)  # redelivered
        after = await svc.rows(
            "SELECT publish_updated_at FROM copy_variants WHERE id = :v", v=uuid.UUID(copy_id)
        )
        assert before == after
        inbox = await svc.rows("SELECT consumer FROM processed_messages WHERE event_id = :e", e=event_id)
        assert inbox == [{"consumer": "ai-copy--connector-v1-copy_publish_failed"}]
        publish = (await variant(svc, http, copy_id))["publish"]
        assert (publish["state"], publish["reason"], publish["job_id"]) == ("failed", "No.", None)
