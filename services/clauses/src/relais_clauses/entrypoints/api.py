"""``clauses-api``."""

from relais_clauses.app import create_app
from relais_clauses.settings import ClausesSettings
from relais_shared.runners import run_api


def main() -> None:
    settings = ClausesSettings()
    run_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
