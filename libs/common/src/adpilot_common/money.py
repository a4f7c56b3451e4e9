"""Bounds on amounts people type (budgets, alert thresholds), shared so that an amount one service accepts is
not refused by another (a metrics budget and the campaign budget connectors writes to the platform)."""

from __future__ import annotations

# A billion units of any currency: beyond it an amount is a typo. Far above it (~9.2e18 micros) the BIGINT
# columns holding micros would overflow.
MAX_TYPED_AMOUNT_MICROS = 10**15
