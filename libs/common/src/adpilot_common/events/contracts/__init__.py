"""Event payload models, one module per producing domain. Registered in :mod:`adpilot_common.events.registry`."""
