"""``referral-relay``: publishes the referral outbox to Kafka."""

from relais_referral.db.models import infra
from relais_referral.settings import ReferralSettings
from relais_shared.runners import run_relay


def main() -> None:
    run_relay(ReferralSettings(), infra.outbox)


if __name__ == "__main__":
    main()
