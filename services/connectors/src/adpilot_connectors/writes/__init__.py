"""Writes to the platforms as bulk jobs with per-item results, retries and an audit trail."""
