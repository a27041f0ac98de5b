from alembic import context

from relais_referral.db.models import Base
from relais_shared.migrations import run_env

run_env(context, Base.metadata)
