"""``portal-web``."""

from relais_portal.app import create_app
from relais_portal.settings import PortalSettings
from relais_shared.runners import run_api


def main() -> None:
    settings = PortalSettings()
    run_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
