"""Linking ad-platform logins: OAuth authorization-code flows, encrypted tokens, refresh and token health."""
