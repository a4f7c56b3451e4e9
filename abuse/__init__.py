"""Abuse suite (``make abuse``): the whole stack on loopback, attacked through the gateway's public API."""
