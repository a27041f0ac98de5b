"""``referral-api``: uvicorn serving the referral HTTP API."""

from relais_referral.api.app import create_app
from relais_referral.settings import ReferralSettings
from relais_shared.runners import run_api


def main() -> None:
    settings = ReferralSettings()
    run_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
