"""``evaluation-relay``: publishes the evaluation outbox (campaign reminders) to Kafka."""

from relais_evaluation.adapters.db.models import infra
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import run_relay


def main() -> None:
    run_relay(EvaluationSettings(), infra.outbox)


if __name__ == "__main__":
    main()
