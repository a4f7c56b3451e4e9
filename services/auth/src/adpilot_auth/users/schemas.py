from pydantic import BaseModel, EmailStr, Field


class RegistrationRequest(BaseModel):
    email: EmailStr
    # Any characters, never truncated; the upper bound only stops hash-flooding with megabyte passwords.
    password: str = Field(min_length=8, max_length=1024)
    display_name: str | None = Field(default=None, max_length=200)


class RegistrationAccepted(BaseModel):
    status: str = "accepted"
    detail: str = "If the address can be registered, a verification email is on its way."
