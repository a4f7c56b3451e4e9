from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.user import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_by_email(self, email: str) -> User | None:
        result = await self._session.execute(select(User).where(User.email == email))
        return result.scalar_one_or_none()

    async def insert_if_absent(self, user: User) -> bool:
        """Insert unless the email is taken (race-safe); True when the row was created."""
        result = await self._session.execute(
            insert(User)
            .values(
                id=user.id, email=user.email, password_hash=user.password_hash, display_name=user.display_name
            )
            .on_conflict_do_nothing(index_elements=[User.email])
            .returning(User.id)
        )
        return result.first() is not None
