"""Events published by the auth service about user accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr


class UserRegistered(BaseModel):
    """A new account exists; notify sends the email-verification message."""

    user_id: uuid.UUID
    email: EmailStr
    display_name: str | None = None


class UserInvited(BaseModel):
    """Someone was invited to an org; notify emails ``token`` as an accept link (single use, expires)."""

    invitation_id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    email: EmailStr
    role: str
    token: str
    expires_at: datetime


class EmailVerificationRequested(BaseModel):
    """notify emails ``token`` as a verification link (single use, expires at ``expires_at``)."""

    user_id: uuid.UUID
    email: EmailStr
    token: str
    expires_at: datetime


class PasswordResetRequested(BaseModel):
    """notify emails ``token`` as a reset link (single use, short-lived)."""

    user_id: uuid.UUID
    email: EmailStr
    token: str
    expires_at: datetime


class PasswordChanged(BaseModel):
    """Security notice: the password of this account changed (by the user or through a reset)."""

    user_id: uuid.UUID
    email: EmailStr
    changed_at: datetime
    via_reset: bool
