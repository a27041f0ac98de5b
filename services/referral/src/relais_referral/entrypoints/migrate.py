"""``referral-migrate``: applies the service's Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from relais_referral.settings import ReferralSettings
from relais_shared.migrations import upgrade_head

SERVICE_DIR = Path(__file__).resolve().parents[3]


def main() -> None:
    upgrade_head(SERVICE_DIR, ReferralSettings().database_url)


if __name__ == "__main__":
    main()
