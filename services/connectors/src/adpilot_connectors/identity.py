"""AdPilot's ids of platform objects, derived from what identifies them on the platform.

Unlinking a login deletes its ad accounts and their mirror, while the metrics service keeps the facts it
was sent, keyed by AdPilot's account id. If linking the same platform account again made up a new id, every
resync would add the same facts a second time under it (org totals doubled). A derived id (uuid5) comes back
the same, so a resync replaces those facts instead. Rows created before ids were derived keep their random
ids while they exist; only an insert takes the derived one.
"""

from __future__ import annotations

import uuid


def account_id_for(org_id: uuid.UUID, platform: str, external_id: str) -> uuid.UUID:
    """The id of the platform's ad account ``external_id`` in the org (unique per org, platform, external id)."""
    return uuid.uuid5(org_id, f"ad_account:{platform}:{external_id}")


def mirror_id_for(account_id: uuid.UUID, table: str, external_id: str) -> uuid.UUID:
    """The id of a mirrored campaign, ad group or ad (``table``) of an account (unique per account and table)."""
    return uuid.uuid5(account_id, f"{table}:{external_id}")
