"""Events published by the auth service about user accounts."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, EmailStr


class UserRegistered(BaseModel):
    """A new account exists; notify sends the email-verification message."""

    user_id: uuid.UUID
    email: EmailStr
    display_name: str | None = None
