"""TOTP (RFC 6238) primitives: secret generation, provisioning URI, single-use verification.

Parameters are the authenticator-app defaults (and Keycloak's): HMAC-SHA1, 6 digits, 30 s steps
(ASVS 5.0 6.5.5: a TOTP lives at most 30 s). ``verify_code`` accepts the current step plus ``window`` steps
either side for clock drift (window=1, the usual look-ahead/behind), and enforces single use (ASVS 6.5.1):
a code is accepted only if its time step is strictly greater than the last step accepted for that user, so
the same code — and any code from an earlier step — is rejected once a code has been used. The caller stores
the returned step (``users.totp_last_step``) atomically with accepting the login.

The time source is the server clock (ASVS 6.5.8) unless a ``now`` is passed (tests, or a clock injected by
the caller). Secrets come from the OS CSPRNG (ASVS 6.5.3).
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import time
from datetime import datetime

import pyotp

__all__ = [
    "TOTP_DIGITS",
    "TOTP_PERIOD_SECONDS",
    "current_step",
    "new_secret",
    "provisioning_uri",
    "verify_code",
]

TOTP_PERIOD_SECONDS = 30
TOTP_DIGITS = 6
_SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended HMAC-SHA1 key length; 32 base32 characters, no padding
_MAX_WINDOW = 10
_CODE_RE = re.compile(rf"[0-9]{{{TOTP_DIGITS}}}")
_SEPARATORS_RE = re.compile(r"[\s\-]+")
_MAX_CODE_INPUT = 64  # longer input is rejected before any normalisation work


def new_secret() -> str:
    """A new 160-bit TOTP secret from the OS CSPRNG, as unpadded upper-case base32 (32 characters)."""
    return base64.b32encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)


def provisioning_uri(secret: str, account_email: str, issuer: str = "AdPilot") -> str:
    """The ``otpauth://totp/...`` URI for authenticator apps (Key Uri Format), to show as a QR code.

    Carries the issuer both as label prefix and as ``issuer=`` parameter; the label and values are
    percent-encoded (so ``@`` in the email appears as ``%40``).
    """
    return _totp(secret).provisioning_uri(name=account_email, issuer_name=issuer)


def _timestamp(now: datetime | float | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime (naive datetimes are ambiguous)")
        return now.timestamp()
    return float(now)


def current_step(now: datetime | float | None = None) -> int:
    """The RFC 6238 time step (``floor(unix_time / 30)``) at ``now`` (default: the server clock)."""
    return int(_timestamp(now) // TOTP_PERIOD_SECONDS)


def _normalise_code(code: str) -> str | None:
    if not isinstance(code, str) or len(code) > _MAX_CODE_INPUT:
        return None
    candidate = _SEPARATORS_RE.sub("", code)
    # ASCII digits only: str.isdigit() would also accept e.g. Arabic-Indic or superscript digits.
    return candidate if _CODE_RE.fullmatch(candidate) else None


def verify_code(
    secret: str,
    code: str,
    *,
    last_used_step: int | None,
    now: datetime | float | None = None,
    window: int = 1,
) -> int | None:
    """Check a TOTP code; return the matched time step, or None.

    A code is accepted when it equals the code of a step within ``window`` steps of ``now`` *and* that step
    is strictly greater than ``last_used_step`` (None: no code used yet). The caller must persist the
    returned step as the new ``last_used_step``; that makes each code single-use and also rejects any code
    from an older step. Spaces and hyphens in ``code`` are ignored ("123 456"); anything that is not exactly
    six ASCII digits is rejected without raising. Every candidate step is computed and compared with
    ``hmac.compare_digest``, with no early exit, so timing does not reveal which step (if any) matched.

    Raises ``ValueError`` only for caller errors: a negative or excessive ``window``, a naive datetime, or a
    secret that is not valid base32.
    """
    if not 0 <= window <= _MAX_WINDOW:
        raise ValueError(f"window must be between 0 and {_MAX_WINDOW}")
    totp = _totp(secret)  # validates the secret before looking at the code
    step_now = current_step(now)
    normalised = _normalise_code(code)
    submitted = (normalised or "0" * TOTP_DIGITS).encode("ascii")

    matched: int | None = None
    for step in range(step_now - window, step_now + window + 1):
        if step < 0:
            continue
        expected = totp.generate_otp(step).encode("ascii")
        fresh = last_used_step is None or step > last_used_step
        # Evaluate the comparison unconditionally (no short-circuit) and keep the latest matching step, so
        # that a code valid for two steps (a 1-in-a-million collision) cannot be accepted twice.
        if hmac.compare_digest(expected, submitted) & fresh:
            matched = step
    return matched if normalised is not None else None
