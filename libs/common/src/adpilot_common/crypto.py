"""Symmetric encryption of secrets at rest (TOTP seeds, signing keys, ad-platform refresh tokens).

``SecretBox`` wraps :class:`cryptography.fernet.MultiFernet` (AES-128-CBC + HMAC-SHA256, timestamped tokens).
It is built from a list of keys, newest first: the first key encrypts, every key decrypts. Rotating keys is:

1. prepend a new key (``generate_key()``) to the setting and deploy — old tokens still decrypt;
2. re-encrypt stored tokens with ``rotate()`` (``needs_rotation()`` tells which ones still need it);
3. drop the old key from the setting once nothing needs rotation.

Errors never carry key material, tokens or plaintext: ``DecryptionError`` and ``InvalidKeyError`` messages
are fixed strings (plus the position of a malformed key), and the underlying exception is not chained.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

__all__ = ["DecryptionError", "InvalidKeyError", "SecretBox", "generate_key"]


class DecryptionError(Exception):
    """A token could not be decrypted: tampered, truncated, expired, or encrypted under an unknown key."""

    def __init__(
        self, message: str = "token could not be decrypted (tampered, expired or unknown key)"
    ) -> None:
        super().__init__(message)


class InvalidKeyError(ValueError):
    """A configured key is not a Fernet key (32 url-safe base64-encoded bytes), or no key was given."""


def generate_key() -> str:
    """A fresh random Fernet key (url-safe base64 of 32 bytes from the OS CSPRNG), as text for a setting."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str | bytes, position: int, total: int) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        # Never echo the key itself (nor chain the original error): the position is enough to find it.
        raise InvalidKeyError(
            f"encryption key {position} of {total} is malformed: expected 32 url-safe base64-encoded bytes "
            "(generate one with adpilot_common.crypto.generate_key())"
        ) from None


class SecretBox:
    """Encrypts with the first (primary) key, decrypts with any of the keys."""

    generate_key = staticmethod(generate_key)

    def __init__(self, keys: Iterable[str | bytes]) -> None:
        key_list = list(keys)
        if not key_list:
            raise InvalidKeyError("at least one encryption key is required")
        self._fernets = [_fernet(key, i, len(key_list)) for i, key in enumerate(key_list, start=1)]
        self._primary = self._fernets[0]
        self._multi = MultiFernet(self._fernets)

    @classmethod
    def from_setting(cls, value: str | SecretStr) -> SecretBox:
        """Parse a comma-separated list of Fernet keys, newest (encrypting) key first.

        Whitespace around keys and empty items (a trailing comma) are ignored. A malformed key raises
        ``InvalidKeyError`` naming its position, never its value.
        """
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        keys = [part.strip() for part in raw.split(",") if part.strip()]
        if not keys:
            raise InvalidKeyError(
                "no encryption key configured: expected a comma-separated list of Fernet keys"
            )
        return cls(keys)

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    def __repr__(self) -> str:
        return f"SecretBox(keys={len(self._fernets)})"

    def encrypt(self, data: bytes | str) -> bytes:
        """Encrypt under the primary key; ``str`` is encoded as UTF-8. Returns the Fernet token (ASCII bytes)."""
        plaintext = data.encode("utf-8") if isinstance(data, str) else data
        return self._multi.encrypt(plaintext)

    def decrypt(self, token: bytes | str, *, ttl: int | None = None) -> bytes:
        """Decrypt with whichever key fits; ``ttl`` (seconds) additionally rejects older tokens.

        Raises ``DecryptionError`` on tampering, truncation, expiry or a token from an unknown key.
        """
        try:
            return self._multi.decrypt(token, ttl=ttl)
        except (InvalidToken, ValueError):
            raise DecryptionError() from None

    def rotate(self, token: bytes | str) -> bytes:
        """Re-encrypt a token under the primary key (the original timestamp is kept).

        Raises ``DecryptionError`` when no configured key can decrypt the token.
        """
        try:
            return self._multi.rotate(token)
        except (InvalidToken, ValueError):
            raise DecryptionError() from None

    def needs_rotation(self, token: bytes | str) -> bool:
        """True when the primary key alone cannot authenticate the token (older key, or not decryptable at all).

        Only the HMAC is checked (no plaintext is produced). A token for which this is true and that no key
        decrypts makes ``rotate()`` raise ``DecryptionError``.
        """
        try:
            self._primary.extract_timestamp(token)
        except (InvalidToken, ValueError):
            return True
        return False
