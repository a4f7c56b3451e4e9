"""Ad accounts and the mirrored campaign structure, as the org sees them."""
