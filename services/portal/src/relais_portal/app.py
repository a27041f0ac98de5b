"""The portal: server-rendered pages over the other services' public APIs (no data of its own).

Pages are Jinja2 templates on the Système de Design de l'État (DSFR), served with htmx from the npm
packages `make install` puts in deploy/tools/node_modules — nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from relais_portal.referral_api import ApiProblem, ServiceUnavailable
from relais_portal.session import SessionCodec
from relais_portal.settings import PortalSettings
from relais_portal.web import auth, clauses, directory, home, people, referrals
from relais_portal.web.deps import CsrfRefused, Directory, NotSignedIn, optional_session, render, sign_in_url
from relais_shared.api import create_service_app
from relais_shared.telemetry import setup_telemetry

STATIC = Path(__file__).resolve().parent / "static"


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": sign_in_url(exc.next_path)})
        return RedirectResponse(sign_in_url(exc.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(
            request,
            "error.html",
            optional_session(request),
            403,
            title="Formulaire refusé",
            message="Ce formulaire a expiré ou ne vient pas de ce site : rien n'a été enregistré. "
            "Rechargez la page et recommencez.",
        )

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return render(
            request,
            "error.html",
            optional_session(request),
            503,
            title="Service indisponible",
            unavailable=True,
            message="Le service des orientations ne répond pas pour le moment. "
            "Vos données ne sont pas perdues : réessayez dans quelques minutes.",
        )

    @app.exception_handler(ApiProblem)
    async def refused(request: Request, exc: ApiProblem) -> Response:
        session = optional_session(request)
        if exc.status == 401:
            return RedirectResponse(sign_in_url(request.url.path), status_code=303)
        if exc.status in (403, 404):
            return render(
                request,
                "error.html",
                session,
                exc.status,
                title="Accès impossible",
                message="Cette page n'existe pas, ou votre organisation n'y a pas accès.",
            )
        if exc.status == 503:
            return render(
                request,
                "error.html",
                session,
                503,
                title="Service indisponible",
                unavailable=True,
                message=exc.message,
            )
        return render(
            request, "error.html", session, exc.status, title="Demande refusée", message=exc.message
        )

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            optional_session(request),
            404,
            title="Page introuvable",
            message="Cette page n'existe pas.",
        )


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    client = httpx.AsyncClient(base_url=settings.referral_url, timeout=settings.api_timeout_s)
    clauses_client = httpx.AsyncClient(base_url=settings.clauses_url, timeout=settings.api_timeout_s)

    async def on_shutdown(_: FastAPI) -> None:
        await client.aclose()
        await clauses_client.aclose()

    app = create_service_app(
        service="portal",
        title="Relais — portail",
        description="Pages web des conseillers, facilitateurs, coordinateurs et évaluateurs.",
        version="0.1.0",
        settings=settings,
        routers=[auth.router, home.router, referrals.router, people.router, directory.router, clauses.router],
        on_shutdown=on_shutdown,
        tracer_provider=setup_telemetry("portal", "web"),
    )
    app.state.http = client
    app.state.sessions_codec = SessionCodec(settings.session_secret, settings.session_ttl_s)
    app.state.directory = Directory(settings, client)
    assets = Path(settings.assets_dir)
    app.mount(
        "/static/dsfr", StaticFiles(directory=assets / "@gouvfr" / "dsfr" / "dist", check_dir=False), "dsfr"
    )
    app.mount("/static/htmx", StaticFiles(directory=assets / "htmx.org" / "dist", check_dir=False), "htmx")
    app.mount("/static/portal", StaticFiles(directory=STATIC), "portal")
    _install_error_pages(app)
    clauses.install(app, clauses_client)
    return app
