"""MFA recovery codes: generation, hashing for storage, constant-time single-use verification.

Codes look like ``k7mq-x2dp-9rwt``: 12 characters drawn uniformly (``secrets.choice``) from a 32-character
alphabet, i.e. 60 bits of CSPRNG entropy each. The alphabet leaves out ``0 o i l`` so no character can be
misread as another; input is normalised before hashing — case-insensitive, spaces and hyphens ignored, and
the look-alikes ``i``/``l`` read as ``1`` — so what the user types need not match the printed form exactly.

Storage: only a hash is stored (``recovery_codes.code_hash``), never the code. Because each code carries
60 random bits, a slow password hash (argon2) is unnecessary; a fast hash is used instead:

* ``hmac-sha256$<hex>`` when a ``pepper`` (a server-side secret kept outside the database) is given. This is
  the recommended form: a stolen table alone then allows no offline guessing at all.
* ``sha256$<hex>`` without a pepper. Guessing one specific code offline costs ~2^59 hashes; note that an
  attacker holding many users' hashes attacks them all at once, so prefer the pepper.

The scheme prefix lets ``verify_recovery_code`` check hashes of either form (e.g. while introducing a
pepper). Single use is the caller's job: ``verify_recovery_code`` returns the matching stored hash, and the
caller marks that row used (``used_at``) in the same transaction that accepts the login, and never passes
used hashes again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

__all__ = [
    "RECOVERY_CODE_ALPHABET",
    "RECOVERY_CODE_BITS",
    "generate_recovery_codes",
    "hash_recovery_code",
    "normalise_recovery_code",
    "verify_recovery_code",
]

RECOVERY_CODE_ALPHABET = "123456789abcdefghjkmnpqrstuvwxyz"  # 32 symbols: no 0/o, no i/l
_GROUPS = 3
_GROUP_LENGTH = 4
_CODE_LENGTH = _GROUPS * _GROUP_LENGTH
RECOVERY_CODE_BITS = _CODE_LENGTH * 5  # log2(32) = 5 bits per character -> 60
_MAX_INPUT = 64
_SEPARATORS_RE = re.compile(r"[\s\-]+")
_LOOKALIKES = str.maketrans({"i": "1", "l": "1"})
_VALID_RE = re.compile(rf"[{RECOVERY_CODE_ALPHABET}]{{{_CODE_LENGTH}}}")
_SHA256 = "sha256"
_HMAC_SHA256 = "hmac-sha256"
_DOMAIN = b"adpilot/mfa-recovery-code/v1\x00"


def generate_recovery_codes(n: int = 10) -> list[str]:
    """``n`` distinct new codes in display form (``xxxx-xxxx-xxxx``, lower case)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < n:
        raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        if raw in seen:  # astronomically unlikely, but a duplicate would be a code that works twice
            continue
        seen.add(raw)
        codes.append("-".join(raw[i : i + _GROUP_LENGTH] for i in range(0, _CODE_LENGTH, _GROUP_LENGTH)))
    return codes


def normalise_recovery_code(code: str) -> str | None:
    """The canonical form (12 lower-case alphabet characters), or None if ``code`` cannot be a recovery code."""
    if not isinstance(code, str) or len(code) > _MAX_INPUT:
        return None
    candidate = _SEPARATORS_RE.sub("", code).lower().translate(_LOOKALIKES)
    return candidate if _VALID_RE.fullmatch(candidate) else None


def _digest(canonical: str, pepper: bytes | None) -> str:
    message = _DOMAIN + canonical.encode("ascii")
    if pepper is None:
        return f"{_SHA256}${hashlib.sha256(message).hexdigest()}"
    return f"{_HMAC_SHA256}${hmac.new(pepper, message, hashlib.sha256).hexdigest()}"


def _pepper_bytes(pepper: bytes | str | None) -> bytes | None:
    if pepper is None:
        return None
    key = pepper.encode("utf-8") if isinstance(pepper, str) else pepper
    if not key:
        raise ValueError("pepper must not be empty (pass None for no pepper)")
    return key


def hash_recovery_code(code: str, *, pepper: bytes | str | None = None) -> str:
    """The string to store for ``code``: ``hmac-sha256$<64 hex>`` with a pepper, else ``sha256$<64 hex>``.

    The code is normalised first, so ``K7MQ X2DP 9RWT`` and ``k7mq-x2dp-9rwt`` hash alike. Raises
    ``ValueError`` (without echoing the input) if ``code`` is not a well-formed recovery code.
    """
    canonical = normalise_recovery_code(code)
    if canonical is None:
        raise ValueError("not a well-formed recovery code")
    return _digest(canonical, _pepper_bytes(pepper))


def verify_recovery_code(
    code: str, hashes: Iterable[str], *, pepper: bytes | str | None = None
) -> str | None:
    """Return the stored hash (one of ``hashes``) that ``code`` matches, or None.

    Pass only the user's *unused* hashes; the caller marks the returned one used. Malformed input returns
    None without raising. Every stored hash is compared with ``hmac.compare_digest`` and the loop never
    exits early, so timing reveals neither whether nor where a code matched. Stored ``hmac-sha256$``
    hashes need the ``pepper``; without it a ``ValueError`` is raised (a configuration error, not a user
    error).
    """
    stored = list(hashes)
    key = _pepper_bytes(pepper)
    canonical = normalise_recovery_code(code)
    # Hash something of the right shape even for malformed input, so the comparison loop runs the same.
    probe = canonical if canonical is not None else "1" * _CODE_LENGTH
    candidates = {_SHA256: _digest(probe, None).encode("ascii")}
    if key is not None:
        candidates[_HMAC_SHA256] = _digest(probe, key).encode("ascii")

    matched: str | None = None
    for stored_hash in stored:
        scheme = stored_hash.partition("$")[0]
        if scheme == _HMAC_SHA256 and key is None:
            raise ValueError("a peppered recovery-code hash cannot be verified without the pepper")
        candidate = candidates.get(scheme, b"")
        if hmac.compare_digest(candidate, stored_hash.encode("utf-8")) and matched is None:
            matched = stored_hash
    return matched if canonical is not None else None
