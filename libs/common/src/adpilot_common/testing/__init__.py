"""pytest fixtures that start real NATS and PostgreSQL servers (loaded with ``-p adpilot_common.testing.plugin``)."""
