"""``clauses-api``."""

from relais_clauses.app import create_app
from relais_shared.api import serve


def main() -> None:
    serve(create_app(), "RELAIS_CLAUSES_API_PORT", 8102)


if __name__ == "__main__":
    main()
