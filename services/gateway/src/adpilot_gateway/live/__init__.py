"""Live events for browsers: ``/ws`` pushes the signed-in org's events from NATS (campaign changes, metric
updates, copy jobs, sync results, alerts, reports)."""
