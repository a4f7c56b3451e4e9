"""Syncing ad accounts: schedule ticks, leased sync runs, structure mirror with change detection, metrics."""
