"""``training-migrate``: applies the service's Alembic migrations."""

from pathlib import Path

from relais_shared.migrations import upgrade_head
from relais_training.settings import TrainingSettings

SERVICE_DIR = Path(__file__).resolve().parents[3]


def main() -> None:
    upgrade_head(SERVICE_DIR, TrainingSettings().database_url)


if __name__ == "__main__":
    main()
