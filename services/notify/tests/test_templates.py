"""Every consumed event renders in every format (strict undefined: a missing variable fails here)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel

from adpilot_common.events.contracts.budget import AlertTriggered, BudgetThresholdCrossed
from adpilot_common.events.contracts.connector import ConnectionHealthChanged, SyncFailed
from adpilot_common.events.contracts.report import ReportFailed, ReportReady
from adpilot_common.events.contracts.user import (
    EmailVerificationRequested,
    PasswordChanged,
    PasswordResetRequested,
    UserInvited,
)
from adpilot_notify.deliveries.events import CONSUMED, plan_for
from adpilot_notify.destinations.addresses import InvalidAddress, normalise
from adpilot_notify.templates.renderer import render

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
ID = uuid.uuid4()
SAMPLES: list[tuple[str, BaseModel]] = [
    ("user.v1.email_verification_requested",
     EmailVerificationRequested(user_id=ID, email="a@example.com", token="tok", expires_at=NOW)),
    ("user.v1.password_reset_requested",
     PasswordResetRequested(user_id=ID, email="a@example.com", token="tok", expires_at=NOW)),
    ("user.v1.invited",
     UserInvited(invitation_id=ID, org_id=ID, org_name="Acme", email="a@example.com", role="admin", token="tok",
                 expires_at=NOW)),
    ("user.v1.password_changed", PasswordChanged(user_id=ID, email="a@example.com", changed_at=NOW, via_reset=False)),
    ("budget.v1.threshold_crossed",
     BudgetThresholdCrossed(budget_id=ID, rule_id=ID, account_id=ID, period="daily", period_key="2026-11-25",
                            threshold_pct=Decimal("80.0"), spend_micros=8_000_000, budget_micros=10_000_000,
                            currency="EUR", expected_spend_micros=5_000_000)),
    ("alert.v1.triggered",
     AlertTriggered(rule_id=ID, kind="cpa_above", account_id=ID, period_key="2026-11", observed=Decimal(2),
                    threshold=Decimal(1), message="CPA above 1.00 EUR")),
    ("report.v1.ready",
     ReportReady(report_id=ID, format="csv", title="Q4", date_from=date(2026, 10, 1), date_to=date(2026, 12, 31),
                 file_name="q4.csv", size_bytes=10, download_path=f"/api/metrics/reports/{ID}/download")),
    ("report.v1.failed", ReportFailed(report_id=ID, format="xlsx", title="Q4", error="No data.")),
    ("connector.v1.sync_failed",
     SyncFailed(run_id=ID, account_id=ID, platform="tiktok", external_account_id="7000", trigger="manual",
                error_kind="rate_limited", error="Too many requests.")),
    *[
        ("connector.v1.health_changed",
         ConnectionHealthChanged(connection_id=ID, platform="meta", health=h,
                                 expires_at=NOW + timedelta(days=3) if h == "expires_soon" else None))
        for h in ("ok", "expires_soon", "reconnect_required")
    ],
]  # fmt: skip


def test_every_consumed_subject_has_a_sample() -> None:
    assert {subject for subject, _ in SAMPLES} == set(CONSUMED)


@pytest.mark.parametrize(("subject", "payload"), SAMPLES)
def test_renders(subject: str, payload: BaseModel) -> None:
    plan = plan_for(subject, payload, "https://app.example")
    rendered = render(plan.template, "de", {**plan.context, "locale": "en"})  # unknown locale: English
    assert rendered.subject and rendered.text and rendered.short
    assert rendered.html is not None and rendered.html.startswith("<!doctype html>")
    assert "%(" not in rendered.text + rendered.subject  # every placeholder was filled
    if "token" in type(payload).model_fields:
        assert "https://app.example/" in rendered.text and "?token=tok" in rendered.text


def test_codes_and_digest_render() -> None:
    code = render("destination_code", "en", {"code": "123456", "minutes": 15, "locale": "en"})
    assert "123456" in code.short and "15 minutes" in code.text
    digest = render("digest", "en", {"items": [{"subject": "A", "short": "a"}], "locale": "en"})
    assert digest.subject == "AdPilot digest: 1 notifications"


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        ("email", "Ann@Example.COM", "ann@example.com"),
        ("whatsapp", "+49 (151) 1234-5678", "+4915112345678"),
        ("signal", "+1 415 555 2671", "+14155552671"),
        ("signal", "group.ZmFrZS1ncm91cC1pZA==", "group.ZmFrZS1ncm91cC1pZA=="),
    ],
)
def test_addresses_are_normalised(channel: str, raw: str, expected: str) -> None:
    assert normalise(channel, raw) == expected


@pytest.mark.parametrize(
    ("channel", "raw"),
    [("email", "a@"), ("whatsapp", "01511234567"), ("signal", "+49 123"), ("whatsapp", "+1 abc")],
)
def test_invalid_addresses(channel: str, raw: str) -> None:
    with pytest.raises(InvalidAddress):
        normalise(channel, raw)


def test_settings_from_nested_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from adpilot_notify.config import Settings

    monkeypatch.setenv("NOTIFY_SMTP__HOST", "smtp.example.com")
    monkeypatch.setenv("NOTIFY_SMTP__SECURITY", "starttls")
    monkeypatch.setenv("NOTIFY_SMTP__PASSWORD", "s3cret")
    monkeypatch.setenv("NOTIFY_WEBHOOKS__RETRY__MAX_ATTEMPTS", "7")
    settings = Settings()
    assert settings.smtp.host == "smtp.example.com" and settings.smtp.security == "starttls"
    assert settings.smtp.password is not None and "s3cret" not in repr(settings)
    assert settings.webhooks.retry.max_attempts == 7 and settings.webhooks.retry.window_s == 86400
    assert settings.private_targets_allowed  # development default
