"""Platform tokens in and out of their encrypted columns. Plaintext exists only in memory, never in logs."""

from __future__ import annotations

from adpilot_common.crypto import SecretBox
from adpilot_connectors.models import PlatformConnection
from adpilot_connectors.platforms.base import Credentials


def seal(box: SecretBox, value: str) -> str:
    return box.encrypt(value).decode()


def unseal(box: SecretBox, value: str) -> str:
    return box.decrypt(value).decode()


def credentials_of(connection: PlatformConnection, box: SecretBox) -> Credentials:
    refresh = connection.refresh_token_encrypted
    return Credentials(
        access_token=unseal(box, connection.access_token_encrypted),
        refresh_token=unseal(box, refresh) if refresh else None,
        expires_at=connection.token_expires_at,
        login_customer_id=connection.login_customer_id,
    )


def store_credentials(connection: PlatformConnection, box: SecretBox, credentials: Credentials) -> None:
    """Write new tokens. A refresh that returns no refresh token keeps the stored one (platforms often omit it
    on refresh; overwriting it with nothing would force the user to reconnect)."""
    connection.access_token_encrypted = seal(box, credentials.access_token)
    if credentials.refresh_token:
        connection.refresh_token_encrypted = seal(box, credentials.refresh_token)
    connection.token_expires_at = credentials.expires_at
    if credentials.login_customer_id:
        connection.login_customer_id = credentials.login_customer_id
