"""MFA primitives (pure logic, no I/O): TOTP, recovery codes and QR rendering.

The endpoints and models live elsewhere and call these functions; see each module for the security notes.
"""
