"""Shared bits of the HTTP API: the caller's org and roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.dependencies import db_session

Session = Annotated[AsyncSession, Depends(db_session)]
