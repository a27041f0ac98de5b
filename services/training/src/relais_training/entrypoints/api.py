"""``training-api``."""

from relais_shared.runners import run_api
from relais_training.app import create_app
from relais_training.settings import TrainingSettings


def main() -> None:
    settings = TrainingSettings()
    run_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
