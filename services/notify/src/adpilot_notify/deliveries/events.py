"""What each consumed event becomes: template, link and variables, priority, and who receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

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

Priority = Literal["urgent", "normal", "low"]

# Security mail: always sent to the address in the event, never subject to preferences or quiet hours.
AUTH_EVENTS = (
    "user.v1.email_verification_requested",
    "user.v1.password_reset_requested",
    "user.v1.invited",
    "user.v1.password_changed",
)
# Org events: to subscribed users' verified destinations and to subscribed webhook endpoints.
ORG_EVENTS = (
    "budget.v1.threshold_crossed",
    "alert.v1.triggered",
    "report.v1.ready",
    "report.v1.failed",
    "connector.v1.sync_failed",
    "connector.v1.health_changed",
)
CONSUMED = AUTH_EVENTS + ORG_EVENTS


@dataclass
class Plan:
    template: str
    context: dict[str, Any]
    priority: Priority = "normal"
    email: str | None = None  # auth events: the one address
    extra_emails: list[str] = field(default_factory=list)  # report schedules' recipients
    users: list[Any] | None = None  # restrict subscribers to these user ids (None: every subscriber)


def money(micros: int, currency: str) -> str:
    return f"{Decimal(micros) / Decimal(1_000_000):,.2f} {currency}"


def pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def plan_for(subject: str, payload: BaseModel, base_url: str) -> Plan:
    base = base_url.rstrip("/")
    match payload:
        case EmailVerificationRequested():
            return Plan(
                "verify_email",
                {
                    "link": f"{base}/verify-email?token={payload.token}",
                    "expires_at": _when(payload.expires_at),
                },
                "urgent",
                email=str(payload.email),
            )
        case PasswordResetRequested():
            return Plan(
                "reset_password",
                {
                    "link": f"{base}/reset-password?token={payload.token}",
                    "expires_at": _when(payload.expires_at),
                },
                "urgent",
                email=str(payload.email),
            )
        case UserInvited():
            return Plan(
                "invitation",
                {
                    "link": f"{base}/invitations/accept?token={payload.token}",
                    "org_name": payload.org_name,
                    "role": payload.role,
                    "expires_at": _when(payload.expires_at),
                },
                "urgent",
                email=str(payload.email),
            )
        case PasswordChanged():
            return Plan(
                "password_changed",
                {"changed_at": _when(payload.changed_at), "via_reset": payload.via_reset},
                "urgent",
                email=str(payload.email),
            )
        case BudgetThresholdCrossed():
            return Plan(
                "budget_threshold",
                {
                    "threshold_pct": pct(payload.threshold_pct),
                    "period": payload.period,
                    "period_key": payload.period_key,
                    "spend": money(payload.spend_micros, payload.currency),
                    "budget": money(payload.budget_micros, payload.currency),
                    "expected": money(payload.expected_spend_micros, payload.currency),
                    "link": f"{base}/campaigns",
                },
                # Overspend is urgent; early warnings can wait for quiet hours and go into digests.
                "urgent" if payload.threshold_pct >= 100 else "low",
            )
        case AlertTriggered():
            return Plan(
                "alert_triggered",
                {"message": payload.message, "period_key": payload.period_key, "link": f"{base}/campaigns"},
                "low",
            )
        case ReportReady():
            return Plan(
                "report_ready",
                {
                    "title": payload.title,
                    "format": payload.format.upper(),
                    "date_from": payload.date_from.isoformat(),
                    "date_to": payload.date_to.isoformat(),
                    "link": f"{base}/reports",  # the file needs a signed-in download: the Reports page has it
                },
                extra_emails=[str(e) for e in payload.recipients],
                users=[payload.requested_by]
                if payload.requested_by
                else ([] if payload.recipients else None),
            )
        case ReportFailed():
            return Plan(
                "report_failed",
                {"title": payload.title, "error": payload.error},
                users=[payload.requested_by] if payload.requested_by else None,
            )
        case SyncFailed():
            return Plan(
                "sync_failed",
                {
                    "platform": payload.platform,
                    "external_account_id": payload.external_account_id,
                    "error": payload.error,
                    "error_kind": payload.error_kind,
                    "link": f"{base}/accounts",
                },
                "urgent" if payload.error_kind == "reconnect_required" else "low",
            )
        case ConnectionHealthChanged():
            return Plan(
                "connection_health",
                {
                    "platform": payload.platform,
                    "health": payload.health,
                    "expires_at": _when(payload.expires_at) if payload.expires_at else "",
                    "link": f"{base}/accounts",
                },
                "urgent" if payload.health == "reconnect_required" else "normal",
                # The person who linked the connection is the one who can renew it.
                users=[payload.created_by] if payload.created_by else None,
            )
    raise ValueError(f"notify has no plan for {subject}")


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
