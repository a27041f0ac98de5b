"""``evaluation-api``."""

from relais_evaluation.app import create_app
from relais_shared.api import serve


def main() -> None:
    serve(create_app(), "RELAIS_EVALUATION_API_PORT", 8104)


if __name__ == "__main__":
    main()
