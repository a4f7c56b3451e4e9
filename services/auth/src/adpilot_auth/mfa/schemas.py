from pydantic import BaseModel, ConfigDict, Field


class PasswordConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(default=None, max_length=32, description="current TOTP code when MFA is on")


class CodeSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)


class MfaLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = Field(min_length=16, max_length=512)
    code: str = Field(min_length=1, max_length=32, description="TOTP code or a recovery code")


class EnrolmentOut(BaseModel):
    secret: str
    provisioning_uri: str
    qr_png_data_uri: str


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class MfaChallenge(BaseModel):
    mfa_required: bool = True
    mfa_token: str
