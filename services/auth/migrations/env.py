from adpilot_common.alembic_env import run_migrations
from adpilot_auth.config import Settings
from adpilot_auth.models import Base

run_migrations(Base.metadata, lambda: Settings().database_url)
