"""The embedded stack: real nats-server and PostgreSQL from PyPI wheels, on loopback, for `make run` and tests."""
