"""The built-in simulated ad platform (``Platform.SANDBOX``): realistic, seeded data and writes, no credentials."""

from .client import FailureKind, SandboxAccountProfile, SandboxPlatform

__all__ = ["FailureKind", "SandboxAccountProfile", "SandboxPlatform"]
