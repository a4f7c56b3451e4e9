"""Every endpoint's transaction commits before its answer is sent.

With FastAPI's default dependency scope the code after ``yield`` in ``db_session`` (the commit) runs after the
response went out: a client could see 201 before the row exists, and a failed commit would never reach it. The
shared ``DbSession`` alias pins ``scope="function"``; this test keeps services on it.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.params import Depends

from adpilot_common.dependencies import DbSession, db_session

REPO = Path(__file__).resolve().parents[3]


def test_the_shared_alias_commits_before_the_answer() -> None:
    marker = DbSession.__metadata__[0]
    assert isinstance(marker, Depends)
    assert marker.dependency is db_session
    assert marker.scope == "function"


def test_no_service_declares_db_session_by_hand() -> None:
    by_hand = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted(REPO.glob("services/*/src/**/*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"Depends\(\s*db_session\b", line)
    ]
    assert by_hand == [], f"use adpilot_common.dependencies.DbSession instead: {by_hand}"
