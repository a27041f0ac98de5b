"""The portal: server-rendered pages over the other services' public APIs (no data of its own)."""

from __future__ import annotations

from html import escape

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from relais_portal.settings import PortalSettings
from relais_shared.api import create_service_app
from relais_shared.telemetry import setup_telemetry

pages = APIRouter(tags=["pages"])


async def _service_states(settings: PortalSettings) -> dict[str, bool]:
    states: dict[str, bool] = {}
    async with httpx.AsyncClient(timeout=2.0) as client:
        for service in settings.services:
            try:
                states[service.name] = (await client.get(f"{service.url}/ready")).status_code == 200
            except httpx.HTTPError:
                states[service.name] = False
    return states


@pages.get("/", response_class=HTMLResponse, summary="Accueil du portail")
async def home(request: Request) -> HTMLResponse:
    settings: PortalSettings = request.app.state.settings
    states = await _service_states(settings)
    rows = (
        "".join(
            f"<li><a href='{escape(service.url)}/docs'>{escape(service.label)}</a> — "
            f"{'disponible' if states[service.name] else 'indisponible'}</li>"
            for service in settings.services
        )
        or "<li>Aucun service configuré (RELAIS_PORTAL_SERVICES).</li>"
    )
    html = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Relais</title></head><body>"
        "<h1>Relais</h1><p>La plateforme du pacte métropolitain pour l'emploi : personne ne se perd entre "
        f"deux organisations.</p><h2>Services</h2><ul>{rows}</ul></body></html>"
    )
    return HTMLResponse(html)


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    return create_service_app(
        service="portal",
        title="Relais — portail",
        description="Pages web des conseillers, facilitateurs, coordinateurs et évaluateurs.",
        version="0.1.0",
        settings=settings,
        routers=[pages],
        tracer_provider=setup_telemetry("portal", "web"),
    )
