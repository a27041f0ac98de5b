"""``training-api``."""

from relais_shared.api import serve
from relais_training.app import create_app


def main() -> None:
    serve(create_app(), "RELAIS_TRAINING_API_PORT", 8103)


if __name__ == "__main__":
    main()
