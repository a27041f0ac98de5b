"""``referral-api``: uvicorn serving the referral HTTP API."""

from relais_referral.api.app import create_app
from relais_shared.api import serve


def main() -> None:
    serve(create_app(), "RELAIS_REFERRAL_API_PORT", 8101)


if __name__ == "__main__":
    main()
