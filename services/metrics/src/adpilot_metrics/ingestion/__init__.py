"""Ingestion of ``metrics.v1.fetched`` batches: COPY to staging, merge into facts, move rollups by deltas."""
