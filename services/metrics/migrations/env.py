from adpilot_common.alembic_env import run_migrations
from adpilot_metrics.config import Settings
from adpilot_metrics.models import Base

run_migrations(Base.metadata, lambda: Settings().database_url)
