"""``evaluation-migrate``: applies the service's Alembic migrations."""

from pathlib import Path

from relais_evaluation.settings import EvaluationSettings
from relais_shared.migrations import upgrade_head

SERVICE_DIR = Path(__file__).resolve().parents[3]


def main() -> None:
    upgrade_head(SERVICE_DIR, EvaluationSettings().database_url)


if __name__ == "__main__":
    main()
