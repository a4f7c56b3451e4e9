import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

RoleName = Literal["viewer", "member", "admin", "owner"]


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class OrgUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    require_mfa: bool | None = None


class OrgOut(BaseModel):
    id: uuid.UUID
    name: str
    role: RoleName
    require_mfa: bool


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str | None
    role: RoleName
    joined_at: datetime


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleName


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    role: Literal["viewer", "member", "admin"] = "member"


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: RoleName
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class InvitationAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=16, max_length=128)
