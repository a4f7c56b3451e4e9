from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_connectors.context import Connectors


async def check_tokens(session: AsyncSession, connectors: Connectors, tick: ScheduleTick) -> None:
    raise NotImplementedError  # helper A
