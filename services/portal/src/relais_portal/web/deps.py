"""What every page needs: the session, the referral API with the user's token, CSRF checks, rendering."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from relais_portal import i18n
from relais_portal.oidc import OidcClient, OidcError
from relais_portal.referral_api import ApiProblem, ReferralApi, ServiceUnavailable
from relais_portal.session import COOKIE, Session, SessionCodec
from relais_portal.settings import PortalSettings
from relais_portal.web import labels
from relais_shared.auth import DevIssuer, dev_issuer_dir

PARIS = ZoneInfo("Europe/Paris")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))


def _date_fr(value: str | date | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def _datetime_fr(value: str | datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(PARIS).strftime(i18n.gettext("%d/%m/%Y à %H:%M"))


TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(  # type: ignore[attr-defined] # added by the i18n extension
    gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
)
TEMPLATES.env.filters.update(date_fr=_date_fr, datetime_fr=_datetime_fr)
TEMPLATES.env.globals.update(labels=labels, languages=i18n.LANGUAGES, current_language=i18n.current)


class NotSignedIn(Exception):
    """The page needs a session: the user signs in, then comes back to ``next``."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without the session's CSRF token."""


def settings_of(request: Request) -> PortalSettings:
    settings: PortalSettings = request.app.state.settings
    return settings


def codec_of(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.sessions_codec
    return codec


def optional_session(request: Request) -> Session | None:
    return codec_of(request).loads(request.cookies.get(COOKIE))


def required_session(request: Request) -> Session:
    session = optional_session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedIn(target)
    return session


CurrentSession = Annotated[Session, Depends(required_session)]
MaybeSession = Annotated[Session | None, Depends(optional_session)]


def api_of(request: Request, session: CurrentSession) -> ReferralApi:
    return ReferralApi(request.app.state.http, session.token)


Api = Annotated[ReferralApi, Depends(api_of)]


async def checked_csrf(session: CurrentSession, csrf_token: Annotated[str, Form()] = "") -> Session:
    """Every form of a session carries its CSRF token; a form without it changes nothing."""
    if not csrf_token or not secrets.compare_digest(csrf_token, session.csrf):
        raise CsrfRefused
    return session


CsrfSession = Annotated[Session, Depends(checked_csrf)]


def safe_next(target: str | None) -> str:
    """Only a path of this site (never `//host` or a URL): no open redirect after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def sign_in_url(request: Request, next_path: str) -> str:
    """With a provider, straight to it (its own session often signs the user in without a form)."""
    page = "/connexion/oidc" if request.app.state.oidc is not None else "/connexion"
    return f"{page}?next={quote(next_path, safe='/')}"


def typed_day(value: str) -> date | None:
    """A date field's value (yyyy-mm-dd), or None when empty or mistyped (the page says so)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def render(
    request: Request,
    template: str,
    session: Session | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, {"session": session, **context}, status_code=status_code
    )


def unknown_action(request: Request, session: Session, message: str) -> HTMLResponse:
    """A form posted to an action the page never offers (a forged or stale URL): a 404 page."""
    return render(request, "error.html", session, 404, title=i18n.gettext("Action inconnue"), message=message)


class Directory:
    """Organisation names for the pages, read from the directory with the portal's own token.

    The directory is public (no personal data): the portal reads it as itself — with OpenID Connect, the
    service-account token of its client (client credentials); in development, a token of the local
    issuer. Names change rarely, so they are kept a minute.
    """

    READER_ORG = uuid.UUID("00000000-0000-5000-8000-00000000d1a0")

    def __init__(self, settings: PortalSettings, client: httpx.AsyncClient, oidc: OidcClient | None) -> None:
        self._client = client
        self._settings = settings
        self._oidc = oidc
        self._issuer = (
            None
            if oidc is not None or settings.jwt_jwks_url
            else DevIssuer(
                dev_issuer_dir(settings.dev_issuer_dir), settings.jwt_issuer, settings.jwt_audience
            )
        )
        self._names: dict[str, tuple[float, dict[str, Any]]] = {}

    @property
    def dev_sign_in(self) -> bool:
        return self._issuer is not None

    def issuer(self) -> DevIssuer:
        assert self._issuer is not None
        return self._issuer

    async def api(self) -> ReferralApi:
        if self._oidc is not None:
            try:
                return ReferralApi(self._client, await self._oidc.service_token())
            except OidcError as exc:
                raise ServiceUnavailable(str(exc)) from exc
        if self._issuer is None:
            raise ApiProblem(
                503, {"title": i18n.gettext("Annuaire public indisponible sans jeton de service.")}
            )
        token = self._issuer.token(
            org_id=self.READER_ORG, org_kind="pact_coordination", roles=["evaluator"], sub="portal-directory"
        )
        return ReferralApi(self._client, token)

    async def search(self, **params: Any) -> dict[str, Any]:
        page: dict[str, Any] = await (await self.api()).get("/v1/organisations", **params)
        for org in page["items"]:
            self._names[org["id"]] = (time.monotonic() + 60, org)
        return page

    async def organisation(self, org_id: str | None) -> dict[str, Any]:
        if not org_id:
            return {}
        cached = self._names.get(str(org_id))
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            org: dict[str, Any] = await (await self.api()).get(f"/v1/organisations/{org_id}")
        except ApiProblem:
            return {"id": str(org_id), "name": i18n.gettext("Organisation inconnue"), "kind": ""}
        self._names[str(org_id)] = (time.monotonic() + 60, org)
        return org

    def forget(self, org_id: str) -> None:
        """After a change of the organisation (its capacity): the next page reads it again."""
        self._names.pop(str(org_id), None)

    async def names(self, ids: set[str]) -> dict[str, str]:
        return {i: (await self.organisation(i)).get("name", "") for i in ids if i}


def oidc_of(request: Request) -> OidcClient | None:
    oidc: OidcClient | None = request.app.state.oidc
    return oidc


def directory_of(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(directory_of)]
