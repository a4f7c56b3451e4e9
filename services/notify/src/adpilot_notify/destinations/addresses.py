"""Address validation: emails (email-validator) and E.164 phone numbers (phonenumbers)."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidAddress(ValueError):
    pass


def normalise_email(address: str) -> str:
    try:
        # Lower-cased whole: one mailbox, one destination (and one delivery per event), however it is typed.
        return str(validate_email(address, check_deliverability=False).normalized).lower()
    except EmailNotValidError as exc:
        raise InvalidAddress(f"not a valid email address: {exc}") from exc


def normalise_phone(address: str) -> str:
    """An E.164 number (``+4915112345678``); national formats are refused (no region to guess from)."""
    if not address.strip().startswith("+"):
        raise InvalidAddress("phone numbers must be in international E.164 form, e.g. +4915112345678")
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidAddress("not a valid phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidAddress("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# signal-cli-rest-api group ids: "group." + base64 of the internal id.
SIGNAL_GROUP = re.compile(r"group\.[A-Za-z0-9+/=_-]{8,200}")


def normalise(channel: str, address: str) -> str:
    if channel == "email":
        return normalise_email(address)
    if channel == "signal" and address.strip().startswith("group."):
        if not SIGNAL_GROUP.fullmatch(address.strip()):
            raise InvalidAddress("not a valid Signal group id (group.<base64>)")
        return address.strip()
    return normalise_phone(address)
