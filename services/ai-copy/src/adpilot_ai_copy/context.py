"""What endpoints and jobs of the ai-copy service share (one per process, on ``app.state``), and the role
dependencies: viewers read, members generate/edit/approve, admins set the brand voice and budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.generation.engine import Engine


@dataclass(frozen=True)
class AiCopy:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    engine: Engine


def ai_copy_of(request: Request) -> AiCopy:
    ai_copy: AiCopy = request.app.state.ai_copy
    return ai_copy


Ctx = Annotated[AiCopy, Depends(ai_copy_of)]
