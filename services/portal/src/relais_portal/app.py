"""The portal: server-rendered pages over the other services' public APIs (no data of its own).

Pages are Jinja2 templates on the Système de Design de l'État (DSFR), served with htmx from the npm
packages `make install` puts in deploy/tools/node_modules — nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from relais_portal import i18n
from relais_portal.i18n import gettext as _
from relais_portal.oidc import OidcClient
from relais_portal.referral_api import ApiProblem, ServiceUnavailable
from relais_portal.session import SessionCodec
from relais_portal.settings import PortalSettings
from relais_portal.web import (
    administration,
    auth,
    clauses,
    coordination,
    directory,
    evaluation,
    evaluation_members,
    home,
    language,
    people,
    privacy,
    referrals,
    tasks,
    training,
)
from relais_portal.web.deps import CsrfRefused, Directory, NotSignedIn, optional_session, render, sign_in_url
from relais_shared.api import create_service_app
from relais_shared.problems import RETRY_AFTER_S, Problem
from relais_shared.telemetry import setup_telemetry

STATIC = Path(__file__).resolve().parent / "static"


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": sign_in_url(request, exc.next_path)})
        return RedirectResponse(sign_in_url(request, exc.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(
            request,
            "error.html",
            optional_session(request),
            403,
            title=_("Formulaire refusé"),
            message=_(
                "Ce formulaire a expiré ou ne vient pas de ce site : rien n'a été enregistré. "
                "Rechargez la page et recommencez."
            ),
        )

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        page = render(
            request,
            "error.html",
            optional_session(request),
            503,
            title=_("Service indisponible"),
            unavailable=True,
            message=_(exc.page_message),
        )
        page.headers["Retry-After"] = str(RETRY_AFTER_S)
        return page

    @app.exception_handler(ApiProblem)
    async def refused(request: Request, exc: ApiProblem) -> Response:
        session = optional_session(request)
        if exc.status == 401:
            return RedirectResponse(sign_in_url(request, request.url.path), status_code=303)
        if exc.status in (403, 404):
            return render(
                request,
                "error.html",
                session,
                exc.status,
                title=_("Accès impossible"),
                message=_("Cette page n'existe pas, ou votre organisation n'y a pas accès."),
            )
        if exc.status == 503:
            return render(
                request,
                "error.html",
                session,
                503,
                title=_("Service indisponible"),
                unavailable=True,
                message=exc.message,
            )
        return render(
            request, "error.html", session, exc.status, title=_("Demande refusée"), message=exc.message
        )

    @app.exception_handler(RequestValidationError)
    async def malformed_address(request: Request, exc: RequestValidationError) -> Response:
        """A mistyped link (an identifier that is not one) is a page not found, not a JSON answer."""
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            title, message, status = _("Page introuvable"), _("Cette page n'existe pas."), 404
        else:
            title, message, status = (
                _("Demande refusée"),
                _("Le formulaire est incomplet : rien n'a été enregistré."),
                422,
            )
        return render(request, "error.html", optional_session(request), status, title=title, message=message)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            optional_session(request),
            404,
            title=_("Page introuvable"),
            message=_("Cette page n'existe pas."),
        )


def _unexpected_error_page(problem: Problem, scope: Scope) -> Response:
    """An error nothing handled, on a page: the site's error page (the APIs answer problem+json; a
    person reading a page would get a line of JSON without the site around it). The error itself is
    logged by the kernel, by its type and place."""
    request = Request(scope)
    try:
        session = optional_session(request)
    except Exception:  # the error may be the session's own
        session = None
    page = render(
        request,
        "error.html",
        session,
        problem.status,
        title=_("Service indisponible") if problem.status == 503 else _("Erreur inattendue"),
        unavailable=problem.status == 503,
        message=_(
            "La page n'a pas pu s'afficher : rien n'a été perdu de ce qui était déjà enregistré. "
            "Réessayez ; si cela se reproduit, signalez-le à l'assistance de Relais."
        ),
    )
    if problem.status == 503:
        page.headers["Retry-After"] = str(RETRY_AFTER_S)
    return page


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
        routers=[
            auth.router,
            home.router,
            referrals.router,
            people.router,
            directory.router,
            language.router,
            coordination.router,
            administration.router,
            clauses.router,
            training.router,
            privacy.router,
            evaluation.router,
            evaluation_members.router,
            tasks.router,
        ],
        on_shutdown=on_shutdown,
        tracer_provider=setup_telemetry("portal", "web"),
        unhandled=_unexpected_error_page,
    )
    app.state.http = client
    app.state.clauses_http = clauses_client

    @app.middleware("http")
    async def language_of_the_request(request: Request, call_next: Any) -> Response:
        i18n.use(i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")))
        response: Response = await call_next(request)
        response.headers["Content-Language"] = i18n.current()
        response.headers["Vary"] = "Accept-Language, Cookie"
        return response

    app.state.sessions_codec = SessionCodec(settings.session_secret, settings.session_ttl_s)
    app.state.oidc = OidcClient(settings) if settings.oidc_issuer else None
    app.state.directory = Directory(settings, client, app.state.oidc)
    assets = Path(settings.assets_dir)
    app.mount(
        "/static/dsfr", StaticFiles(directory=assets / "@gouvfr" / "dsfr" / "dist", check_dir=False), "dsfr"
    )
    app.mount(
        "/static/dsfr-chart",
        StaticFiles(directory=assets / "@gouvfr" / "dsfr-chart" / "dist", check_dir=False),
        "dsfr-chart",
    )
    app.mount("/static/htmx", StaticFiles(directory=assets / "htmx.org" / "dist", check_dir=False), "htmx")
    app.mount("/static/portal", StaticFiles(directory=STATIC), "portal")
    _install_error_pages(app)
    return app
