"""Org-scoped KPI queries over the daily rollups."""
