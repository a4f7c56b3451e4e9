"""SQLAlchemy models of the connectors service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


# Importing the modules registers their tables on Base.metadata.
from adpilot_connectors.models.ad_account import AdAccountRow  # noqa: E402
from adpilot_connectors.models.connection import ConnectionStatus, PlatformConnection  # noqa: E402
from adpilot_connectors.models.mirror import AdGroupRow, AdRow, CampaignRow  # noqa: E402
from adpilot_connectors.models.oauth_state import OAuthState  # noqa: E402
from adpilot_connectors.models.sync_run import SyncRun  # noqa: E402
from adpilot_connectors.models.write_job import WriteJob, WriteJobItem  # noqa: E402

__all__ = [
    "AdAccountRow",
    "AdGroupRow",
    "AdRow",
    "Base",
    "CampaignRow",
    "ConnectionStatus",
    "OAuthState",
    "PlatformConnection",
    "SyncRun",
    "WriteJob",
    "WriteJobItem",
]
