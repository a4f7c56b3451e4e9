"""Subject → payload model registry: the event catalogue other systems read."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.events.contracts.budget import AlertTriggered, BudgetThresholdCrossed
from adpilot_common.events.contracts.campaign import CampaignCreated, CampaignStatusChanged, CampaignUpdated
from adpilot_common.events.contracts.connector import (
    ConnectionHealthChanged,
    CopyPublished,
    CopyPublishFailed,
    SyncCompleted,
    SyncFailed,
)
from adpilot_common.events.contracts.copy import CopyApproved, CopyFailed, CopyGenerated
from adpilot_common.events.contracts.metrics import MetricsFetched, MetricsUpdated
from adpilot_common.events.contracts.report import ReportFailed, ReportReady
from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.contracts.session import SessionRevoked
from adpilot_common.events.contracts.user import (
    EmailVerificationRequested,
    PasswordChanged,
    PasswordResetRequested,
    UserInvited,
    UserRegistered,
)


@dataclass(frozen=True)
class EventContract:
    subject: str
    model: type[BaseModel]
    producer: str
    description: str

    @property
    def aggregate(self) -> str:
        return self.subject.split(".")[0]

    @property
    def major(self) -> int:
        return int(self.subject.split(".")[1].removeprefix("v"))


CONTRACTS: dict[str, EventContract] = {
    c.subject: c
    for c in (
        EventContract("user.v1.registered", UserRegistered, "auth", "A user account was created."),
        EventContract("user.v1.invited", UserInvited, "auth", "Someone was invited to join an org."),
        EventContract(
            "user.v1.email_verification_requested",
            EmailVerificationRequested,
            "auth",
            "A verification link must be emailed.",
        ),
        EventContract(
            "user.v1.password_reset_requested",
            PasswordResetRequested,
            "auth",
            "A password-reset link must be emailed.",
        ),
        EventContract("user.v1.password_changed", PasswordChanged, "auth", "An account's password changed."),
        EventContract(
            "audit.v1.requested",
            AuditRequested,
            "any service",
            "Append an entry to the org's audit log (consumed by auth; org_id from the envelope).",
        ),
        EventContract(
            "session.v1.revoked",
            SessionRevoked,
            "auth",
            "A login session ended early; reject its access tokens.",
        ),
        EventContract(
            "schedule.v1.tick",
            ScheduleTick,
            "any service",
            "A slot of a recurring job began (one message per job and slot, whoever publishes it).",
        ),
        EventContract(
            "connector.v1.sync_completed",
            SyncCompleted,
            "connectors",
            "An ad account sync run finished.",
        ),
        EventContract(
            "connector.v1.sync_failed",
            SyncFailed,
            "connectors",
            "An ad account sync run failed; sync state is unchanged.",
        ),
        EventContract(
            "connector.v1.health_changed",
            ConnectionHealthChanged,
            "connectors",
            "A platform connection's token expires soon, needs reconnecting, or recovered.",
        ),
        EventContract(
            "connector.v1.copy_published",
            CopyPublished,
            "connectors",
            "Approved copy was created as a paused ad in the ad group its approval named.",
        ),
        EventContract(
            "connector.v1.copy_publish_failed",
            CopyPublishFailed,
            "connectors",
            "Approved copy could not be published: the approval was refused or its write job failed.",
        ),
        EventContract(
            "campaign.v1.created",
            CampaignCreated,
            "connectors",
            "A campaign appeared on an ad platform.",
        ),
        EventContract(
            "campaign.v1.updated",
            CampaignUpdated,
            "connectors",
            "A campaign's name, objective or budget changed.",
        ),
        EventContract(
            "campaign.v1.status_changed",
            CampaignStatusChanged,
            "connectors",
            "A campaign was enabled, paused or removed.",
        ),
        EventContract(
            "metrics.v1.fetched",
            MetricsFetched,
            "connectors",
            "A batch of up to 1,000 normalised daily metric rows of one ad account.",
        ),
        EventContract(
            "metrics.v1.updated",
            MetricsUpdated,
            "metrics",
            "Metric facts and daily rollups of an ad account changed for some campaigns and days.",
        ),
        EventContract(
            "budget.v1.threshold_crossed",
            BudgetThresholdCrossed,
            "metrics",
            "Spend of a budget's period reached an alert rule's percentage (once per rule and period).",
        ),
        EventContract(
            "copy.v1.generated",
            CopyGenerated,
            "ai-copy",
            "Ad copy variants were generated for a request (sync, async or bulk).",
        ),
        EventContract(
            "copy.v1.failed",
            CopyFailed,
            "ai-copy",
            "A copy generation request ended without copy (invalid output, providers down, budget).",
        ),
        EventContract(
            "copy.v1.approved",
            CopyApproved,
            "ai-copy",
            "A person approved a copy variant; connectors may create the ad from it, paused.",
        ),
        EventContract(
            "alert.v1.triggered",
            AlertTriggered,
            "metrics",
            "A CPA or CTR-drop alert rule crossed its threshold (once per rule and period).",
        ),
        EventContract(
            "report.v1.ready",
            ReportReady,
            "metrics",
            "A report file (PDF, CSV or Excel) is stored and can be downloaded; notify emails the link.",
        ),
        EventContract(
            "report.v1.failed",
            ReportFailed,
            "metrics",
            "A report could not be generated after its retries.",
        ),
    )
}


class UnknownEventTypeError(KeyError):
    pass


def contract_for(subject: str) -> EventContract:
    try:
        return CONTRACTS[subject]
    except KeyError:
        raise UnknownEventTypeError(subject) from None


def json_schemas() -> dict[str, dict[str, object]]:
    """JSON Schema of every registered payload, keyed by subject (committed as snapshots)."""
    return {subject: c.model.model_json_schema() for subject, c in sorted(CONTRACTS.items())}
