from alembic import context

from relais_shared.migrations import run_env
from relais_training.models import Base

run_env(context, Base.metadata)
