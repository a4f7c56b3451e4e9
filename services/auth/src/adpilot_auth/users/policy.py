"""Password rules (ASVS 6.2): length only, no composition rules, and not one of the commonest passwords."""

from __future__ import annotations

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from adpilot_common.problems import Problem

MIN_LENGTH = 8
# Far above the 64 ASVS asks us to allow; the bound only stops hash-flooding with huge inputs.
MAX_LENGTH = 1024
# zxcvbn ships the 30,000 most common passwords (from leaked sets); ASVS 6.2.4 asks for at least the top 3,000.
COMMON_PASSWORD_COUNT = 10_000


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORD_COUNT])


def password_problems(password: str, email: str | None = None) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if password.casefold() in _common():
        problems.append("This password is among the most common ones; choose another.")
    if email and password.casefold() in {email.casefold(), email.split("@")[0].casefold()}:
        problems.append("Do not use your email address as the password.")
    return problems


def check_password(password: str, email: str | None = None) -> None:
    if problems := password_problems(password, email):
        raise Problem(422, "Password not accepted", " ".join(problems), errors=problems)
