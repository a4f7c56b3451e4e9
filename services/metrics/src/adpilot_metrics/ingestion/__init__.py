"""Ingestion of ``metrics.v1.fetched`` batches: merged into facts by key, rollups moved by deltas."""
