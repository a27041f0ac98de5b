"""Sign-in and sign-out. Development: choose an organisation and a role, the local issuer signs the token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import gettext as _
from relais_portal.session import COOKIE
from relais_portal.web import labels
from relais_portal.web.deps import (
    CsrfSession,
    DirectoryDep,
    MaybeSession,
    codec_of,
    render,
    safe_next,
    settings_of,
)

router = APIRouter(tags=["connexion"])
LOGIN_CSRF = "relais_login_csrf"
DEV_ROLES = ("counsellor", "coordinator", "facilitator", "buyer", "employer")


@router.get("/connexion", response_class=HTMLResponse, summary="Se connecter")
async def sign_in_form(
    request: Request, directory: DirectoryDep, session: MaybeSession, next: str = "/", q: str = ""
) -> Response:
    if not directory.dev_sign_in:
        return render(
            request,
            "error.html",
            None,
            501,
            title=_("Connexion"),
            message=_(
                "La connexion par le fournisseur d'identité (OpenID Connect) n'est pas encore disponible."
            ),
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
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
