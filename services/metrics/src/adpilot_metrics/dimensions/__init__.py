"""Campaign dimensions (names, status, budget) mirrored from connectors' ``campaign.v1.*`` events."""
