"""``evaluation-api``."""

from relais_evaluation.app import create_app
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import run_api


def main() -> None:
    settings = EvaluationSettings()
    run_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
