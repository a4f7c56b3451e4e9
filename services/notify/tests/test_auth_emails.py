"""Security emails: auth → outbox → JetStream → notify → a real SMTP server, exactly once, never preference-bound."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from adpilot_auth.config import Settings as AuthSettings
from adpilot_auth.main import create_app as create_auth
from adpilot_common.events.contracts.user import PasswordChanged, PasswordResetRequested, UserInvited
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.testing.plugin import running
from adpilot_common.testing.waiting import eventually

from .conftest import BASE_URL, Notify, event, parts


async def test_registration_sends_one_verification_email(
    new_database, service_env, notify: Notify, smtp
) -> None:
    handler, _ = smtp
    auth_app = create_auth(AuthSettings(**service_env(new_database("auth"))))
    async with running(auth_app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(auth_app), base_url="http://auth"
        ) as client:
            response = await client.post(
                "/api/auth/register", json={"email": "Ada@Example.com", "password": "correct horse battery"}
            )
            assert response.status_code == 202

        async def one_email() -> bool:
            return len(handler.to("ada@example.com")) == 1

        await eventually(one_email)
        [message] = handler.to("ada@example.com")
        assert message["Subject"] == "Confirm your email address"
        body_text, body_html = parts(message)
        assert f"{BASE_URL}/verify-email?token=" in body_text
        assert f'href="{BASE_URL}/verify-email?token=' in body_html
        [delivery] = await notify.settled(event_type="user.v1.email_verification_requested")
        assert delivery["status"] == "succeeded" and delivery["attempts"] == 1
        assert message["Message-ID"] == f"<{delivery['id']}@adpilot.local>"  # stable across resends
        assert delivery["context"] == {}  # the token is not kept once sent

        # The very same event again (a different Nats-Msg-Id gets past publish de-duplication, as a producer
        # retry after the window would): the inbox and the delivery key keep it to one email.
        stored = await notify.js.get_last_msg("AUTH", "user.v1.email_verification_requested")
        await notify.js.publish(
            "user.v1.email_verification_requested", stored.data, headers={"Nats-Msg-Id": "second-copy"}
        )

        await notify.publish(EventEnvelope.from_bytes(stored.data), msg_id="third-copy")
        assert len(await notify.deliveries(event_type="user.v1.email_verification_requested")) == 1
        assert len(handler.to("ada@example.com")) == 1


async def test_reset_invitation_and_password_changed_ignore_preferences(notify: Notify, smtp, capfd) -> None:
    handler, _ = smtp
    org, user = uuid.uuid4(), uuid.uuid4()
    expires = datetime.now(UTC) + timedelta(hours=1)
    # Quiet hours all day long and no subscriptions: security mail must still go out at once.
    async with notify.client() as client:
        await client.put(
            "/api/notify/preferences",
            json={"quiet_hours": {"start": "00:00", "end": "23:59"}, "subscriptions": []},
            headers=notify.headers(org, user),
        )
    events: list[Any] = [
        event("user.v1.password_reset_requested",
              PasswordResetRequested(user_id=user, email="bob@example.com", token="reset-tok", expires_at=expires)),
        event("user.v1.invited",
              UserInvited(invitation_id=uuid.uuid4(), org_id=org, org_name="Acme <Ads>", email="carol@example.com",
                          role="member", token="invite-tok", expires_at=expires), org),
        event("user.v1.password_changed",
              PasswordChanged(user_id=user, email="bob@example.com", changed_at=datetime.now(UTC), via_reset=True)),
    ]  # fmt: skip
    for envelope in events:
        await notify.publish(envelope)
    await notify.settled()

    reset, changed = handler.to("bob@example.com")
    assert reset["Subject"] == "Reset your AdPilot password"
    assert f"{BASE_URL}/reset-password?token=reset-tok" in parts(reset)[0]
    assert changed["Subject"] == "Your AdPilot password was changed"
    assert "password-reset link" in parts(changed)[0]
    [invite] = handler.to("carol@example.com")
    assert invite["Subject"] == "You are invited to Acme <Ads> on AdPilot"
    invite_text, invite_html = parts(invite)
    assert f"{BASE_URL}/invitations/accept?token=invite-tok" in invite_text
    assert "Acme &lt;Ads&gt;" in invite_html and "Acme <Ads>" not in invite_html  # autoescaped
    out, err = capfd.readouterr()
    assert "delivery sent" in out + err  # the service did log...
    assert "reset-tok" not in out + err and "invite-tok" not in out + err  # ...but never the tokens


async def test_smtp_temporary_failure_is_retried(notify: Notify, smtp) -> None:
    handler, _ = smtp
    handler.defer["grey@example.com"] = 1
    expires = datetime.now(UTC) + timedelta(hours=1)
    reset = PasswordResetRequested(
        user_id=uuid.uuid4(), email="grey@example.com", token="t0k", expires_at=expires
    )
    await notify.publish(event("user.v1.password_reset_requested", reset))
    [delivery] = await notify.settled()
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2
    assert len(handler.to("grey@example.com")) == 1
    [first, _] = await notify.rows(
        "SELECT outcome, status_code, error FROM delivery_attempts WHERE delivery_id = :id ORDER BY attempted_at",
        id=delivery["id"],
    )
    assert first == {"outcome": "retry", "status_code": 451, "error": "SMTP refused the recipient (451)"}


async def test_resend_api_as_email_provider(start_notify, fake_http) -> None:
    resend = await fake_http()
    notify: Notify = await start_notify(
        email_provider="resend", resend={"api_key": "re_test_key", "base_url": resend.url}
    )
    changed = PasswordChanged(
        user_id=uuid.uuid4(), email="frank@example.com", changed_at=datetime.now(UTC), via_reset=False
    )
    await notify.publish(event("user.v1.password_changed", changed))
    [delivery] = await notify.settled()
    assert delivery["status"] == "succeeded"
    [(path, headers, body)] = resend.requests
    sent = json.loads(body)
    assert path == "/emails" and headers["authorization"] == "Bearer re_test_key"
    assert sent["to"] == ["frank@example.com"] and sent["subject"] == "Your AdPilot password was changed"
    assert sent["text"] and sent["html"].startswith("<!doctype html>")
