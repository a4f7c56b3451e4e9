from adpilot_auth.config import Settings
from adpilot_auth.models import Base
from adpilot_common.alembic_env import run_migrations

run_migrations(Base.metadata, lambda: Settings().database_url)
