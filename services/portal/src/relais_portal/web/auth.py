"""Sign-in and sign-out.

With an OpenID Connect provider (``RELAIS_PORTAL_OIDC_ISSUER``): authorisation code + PKCE, the provider's
access token kept in the session; sign-out ends the provider's session too. Development: choose an
organisation and a role, the local issuer signs the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import asdict
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from relais_portal.i18n import gettext as _
from relais_portal.oidc import OidcError, Pending
from relais_portal.session import COOKIE
from relais_portal.web import labels
from relais_portal.web.deps import (
    CsrfSession,
    DirectoryDep,
    MaybeSession,
    codec_of,
    oidc_of,
    render,
    safe_next,
    settings_of,
)
from relais_shared.auth import TokenVerifier
from relais_shared.problems import Problem

router = APIRouter(tags=["connexion"])
LOGIN_CSRF = "relais_login_csrf"
DEV_ROLES = (
    "counsellor",
    "coordinator",
    "evaluator",
    "admin",
    "facilitator",
    "buyer",
    "employer",
    "training_provider",
    "dpo",
)


@router.get("/connexion", response_class=HTMLResponse, summary="Se connecter")
async def sign_in_form(
    request: Request, directory: DirectoryDep, session: MaybeSession, next: str = "/", q: str = ""
) -> Response:
    settings = settings_of(request)
    if oidc_of(request) is not None:
        return render(
            request, "sign_in.html", session, next=safe_next(next), oidc_provider=settings.oidc_provider_name
        )
    if not directory.dev_sign_in:
        return render(
            request,
            "error.html",
            None,
            503,
            title=_("Connexion"),
            message=_("Aucun moyen de connexion n'est configuré : contactez l'administrateur du portail."),
        )
    page = await directory.search(q=q or None, limit=200)
    # Login CSRF: the sign-in form is tied to this browser by a cookie of its own (double submit).
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        session,
        organisations=page["items"],
        next=safe_next(next),
        q=q,
        roles={r: labels.ROLES[r] for r in DEV_ROLES},
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="lax", secure=settings_of(request).secure_cookies
    )
    return response


@router.post("/connexion", summary="Se connecter (développement)")
async def sign_in(
    request: Request,
    directory: DirectoryDep,
    org_id: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not directory.dev_sign_in or not expected or not secrets.compare_digest(csrf_token, expected):
        return render(
            request,
            "error.html",
            None,
            403,
            title=_("Formulaire refusé"),
            message=_("Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez."),
        )
    org = await directory.organisation(org_id) if org_id else {}
    if not org.get("kind") or role not in DEV_ROLES:
        page = await directory.search(limit=200)
        return render(
            request,
            "sign_in.html",
            None,
            422,
            organisations=page["items"],
            next=safe_next(next),
            q="",
            roles={r: labels.ROLES[r] for r in DEV_ROLES},
            login_csrf=expected,
            errors={
                "org_id": _("Choisissez votre organisation.") if not org.get("kind") else "",
                "role": _("Choisissez un rôle.") if role not in DEV_ROLES else "",
            },
        )
    settings = settings_of(request)
    sub = f"dev-{role}-{org['id'][:8]}"
    token = directory.issuer().token(
        org_id=org["id"], org_kind=org["kind"], roles=[role], sub=sub, ttl_s=settings.session_ttl_s
    )
    codec = codec_of(request)
    session = codec.new(
        token=token, sub=sub, org_id=org["id"], org_name=org["name"], org_kind=org["kind"], role=role
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        codec.dumps(session),
        max_age=settings.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/deconnexion", summary="Se déconnecter")
async def sign_out(request: Request, session: CsrfSession) -> Response:
    codec_of(request).revoke(session)
    target = "/connexion"
    oidc = oidc_of(request)
    if oidc is not None:
        with contextlib.suppress(OidcError):  # the provider is down: the portal's session ends anyway
            target = (
                await oidc.end_session_url(request.cookies.get(ID_HINT, ""), f"{_base_url(request)}/")
                or target
            )
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(ID_HINT, path="/deconnexion")
    return response


# ---------------------------------------------------------------------------------- OpenID Connect
PENDING = "relais_oidc"
ID_HINT = "relais_idt"
PENDING_TTL_S = 600
# The role a session acts in when the provider grants several: the first of this list it holds.
ROLE_ORDER = (
    "counsellor",
    "coordinator",
    "facilitator",
    "buyer",
    "training_provider",
    "employer",
    "evaluator",
    "dpo",
    "admin",
)


def _base_url(request: Request) -> str:
    return settings_of(request).public_url.rstrip("/") or str(request.base_url).rstrip("/")


def _pending_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).session_secret, salt="relais-portal-oidc")


def _refused(request: Request, status: int, title: str, message: str) -> Response:
    response = render(request, "error.html", None, status, title=title, message=message)
    response.delete_cookie(PENDING, path="/connexion")
    return response


@router.get("/connexion/oidc", summary="Se connecter par le fournisseur d'identité")
async def oidc_begin(request: Request, next: str = "/") -> Response:
    oidc = oidc_of(request)
    if oidc is None:
        return RedirectResponse(f"/connexion?next={quote(safe_next(next), safe='/')}", status_code=303)
    try:
        url, pending = await oidc.begin(f"{_base_url(request)}/connexion/retour", safe_next(next))
    except OidcError:
        return _refused(
            request,
            503,
            _("Service indisponible"),
            _("Le fournisseur d'identité ne répond pas pour le moment : réessayez dans quelques minutes."),
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING,
        _pending_serializer(request).dumps(asdict(pending)),
        max_age=PENDING_TTL_S,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, never on a cross-site POST
        secure=settings_of(request).secure_cookies,
        path="/connexion",
    )
    return response


@router.get("/connexion/retour", summary="Retour du fournisseur d'identité")
async def oidc_return(
    request: Request, directory: DirectoryDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    oidc = oidc_of(request)
    settings = settings_of(request)
    try:
        pending = Pending(
            **_pending_serializer(request).loads(request.cookies.get(PENDING, ""), max_age=PENDING_TTL_S)
        )
    except (BadSignature, TypeError):
        pending = None
    if oidc is None or pending is None:
        return _refused(
            request,
            400,
            _("Connexion expirée"),
            _("Cette connexion a expiré ou n'a pas été commencée ici : recommencez."),
        )
    if error:
        return _refused(
            request, 403, _("Connexion refusée"), _("Le fournisseur d'identité n'a pas accepté la connexion.")
        )
    try:
        signed = await oidc.finish(
            pending, code=code, state=state, redirect_uri=f"{_base_url(request)}/connexion/retour"
        )
        metadata = await oidc.metadata()
        verifier = TokenVerifier(
            issuer=oidc.issuer, audience=settings.jwt_audience, jwks_url=metadata["jwks_uri"]
        )
        principal = await asyncio.to_thread(verifier.verify, signed.access_token)
    except OidcError:
        return _refused(
            request,
            400,
            _("Connexion refusée"),
            _("La réponse du fournisseur d'identité n'est pas valide : recommencez la connexion."),
        )
    except Problem:
        principal = None
    role = next((r for r in ROLE_ORDER if principal is not None and r in principal.roles), None)
    if principal is None or role is None:
        return _refused(
            request,
            403,
            _("Compte sans organisation"),
            _(
                "Votre compte n'est rattaché à aucune organisation du pacte, ou n'y a aucun rôle : "
                "demandez-le à l'administrateur de votre structure."
            ),
        )
    org = await directory.organisation(str(principal.org_id))
    codec = codec_of(request)
    session = codec.new(
        token=signed.access_token,
        sub=principal.sub,
        org_id=str(principal.org_id),
        org_name=str(org.get("name") or ""),
        org_kind=principal.org_kind,
        role=role,
    )
    response = RedirectResponse(pending.next, status_code=303)
    response.set_cookie(
        COOKIE,
        codec.dumps(session),
        max_age=min(settings.session_ttl_s, signed.expires_in),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    # Only the sign-out reads it (the provider's logout wants it as a hint).
    response.set_cookie(
        ID_HINT,
        signed.id_token,
        max_age=settings.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/deconnexion",
    )
    response.delete_cookie(PENDING, path="/connexion")
    return response
