"""The portal's manifest for the platform (no database)."""

from __future__ import annotations

from pathlib import Path

from relais_portal.app import create_app
from relais_portal.settings import PortalSettings
from relais_shared.manifest import ServiceManifest

MANIFEST = ServiceManifest(
    name="portal",
    label="Portail",
    settings=PortalSettings,
    processes=("web",),
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    has_database=False,
)
