"""``training-relay``: publishes the training outbox to Kafka."""

from relais_shared.runners import run_relay
from relais_training.models import infra
from relais_training.settings import TrainingSettings


def main() -> None:
    run_relay(TrainingSettings(), infra.outbox)


if __name__ == "__main__":
    main()
