"""``portal-web``."""

from relais_portal.app import create_app
from relais_shared.api import serve


def main() -> None:
    serve(create_app(), "RELAIS_PORTAL_PORT", 8100)


if __name__ == "__main__":
    main()
