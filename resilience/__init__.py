"""Resilience suite (``make chaos``): the whole stack as separate processes on loopback, under fault injection."""
