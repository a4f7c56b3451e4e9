from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.models import Base
from adpilot_common.alembic_env import run_migrations

run_migrations(Base.metadata, lambda: Settings().database_url)
