"""Budgets, pacing and alert rules."""
