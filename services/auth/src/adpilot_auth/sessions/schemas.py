import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_at: datetime
    session_id: uuid.UUID


class SessionOut(BaseModel):
    id: uuid.UUID
    device: str | None
    ip: str | None
    user_agent: str | None
    created_at: datetime
    last_active_at: datetime
    current: bool


class RevokedCount(BaseModel):
    revoked: int
