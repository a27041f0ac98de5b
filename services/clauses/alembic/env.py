from alembic import context

from relais_clauses.adapters.db.models import Base
from relais_shared.migrations import run_env

run_env(context, Base.metadata)
