"""The language switch of the header: the choice is kept in a cookie (a preference, not personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from relais_portal import i18n
from relais_portal.web.deps import safe_next, settings_of

router = APIRouter()


@router.get("/langue/{language}", include_in_schema=False)
async def choose_language(request: Request, language: str, next: str = "/") -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
            path="/",
        )
    return response
