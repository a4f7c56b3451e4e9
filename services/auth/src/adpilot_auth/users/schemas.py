from pydantic import BaseModel, ConfigDict, EmailStr, Field


class RegistrationRequest(BaseModel):
    email: EmailStr
    # Any characters, never truncated; the upper bound only stops hash-flooding with megabyte passwords.
    password: str = Field(min_length=8, max_length=1024)
    display_name: str | None = Field(default=None, max_length=200)


class RegistrationAccepted(BaseModel):
    status: str = "accepted"
    detail: str = "If the address can be registered, a verification email is on its way."


class TokenSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=16, max_length=128)


class ForgotPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=16, max_length=128)
    new_password: str = Field(min_length=8, max_length=1024)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)
    end_other_sessions: bool = True


class PasswordChanged(BaseModel):
    other_sessions_ended: int


class Accepted(BaseModel):
    status: str = "accepted"


class Me(BaseModel):
    id: str
    email: str
    display_name: str | None
    email_verified: bool
    mfa_enabled: bool
