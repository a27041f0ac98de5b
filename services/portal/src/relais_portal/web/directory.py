"""The public directory of actors: no sign-in, no personal data (organisations, their sites, capacity)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from relais_portal.i18n import gettext as _
from relais_portal.web.deps import DirectoryDep, MaybeSession, render
from relais_portal.web.places import Commune, places

router = APIRouter(prefix="/annuaire", tags=["annuaire"])


@router.get("", response_class=HTMLResponse, summary="Annuaire des acteurs (public)")
async def directory_page(
    request: Request,
    directory: DirectoryDep,
    session: MaybeSession,
    type: str = "",
    q: str = "",
    departement: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    errors: dict[str, str] = {}
    code = _departement(departement, errors)
    results = (
        {"items": [], "total": 0}
        if errors
        else await directory.search(
            kind=type or None, q=q.strip() or None, departement=code, offset=(page - 1) * 20, limit=20
        )
    )
    return render(
        request,
        "directory.html",
        session,
        results=results,
        kind=type,
        q=q,
        departement=departement,
        page=page,
        errors=errors,
    )


def _departement(typed: str, errors: dict[str, str]) -> str | None:
    """The département's code from what was typed (« 44 », « Loire-Atlantique »); an error if unknown."""
    if not typed.strip():
        return None
    code = places().departement_for(typed)
    if code is None:
        errors["departement"] = _(
            "Département inconnu : tapez son numéro (44) ou son nom (Loire-Atlantique)."
        )
    return code


def _commune(typed: str, errors: dict[str, str]) -> tuple[str | None, list[Commune]]:
    """The commune's INSEE code from its name, postcode or code; several communes to choose from when a
    postcode or a name covers more than one; an error if unknown."""
    if not typed.strip():
        return None, []
    found = places().communes_for(typed)
    if not found:
        errors["code_insee"] = _("Commune inconnue : tapez son nom, son code postal ou son code INSEE.")
        return None, []
    if len(found) > 1:
        return None, found
    return found[0].code, []


@router.get(
    "/services", response_class=HTMLResponse, summary="Services de l'annuaire par thématique (public)"
)
async def services_page(
    request: Request,
    directory: DirectoryDep,
    session: MaybeSession,
    thematique: str = "",
    public: str = "",
    departement: str = "",
    code_insee: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    api = await directory.api()
    vocabulary = await api.get("/v1/directory/vocabulary")
    errors: dict[str, str] = {}
    departement_code = _departement(departement, errors)
    commune_code, choices = _commune(code_insee, errors)
    results: dict[str, Any] = {"items": [], "total": 0}
    if not errors and not choices:
        results = await api.get(
            "/v1/directory/services",
            thematique=thematique or None,
            public=public or None,
            departement=departement_code,
            code_insee=commune_code,
            offset=(page - 1) * 20,
            limit=20,
        )
    names = await directory.names({item["organisation_id"] for item in results["items"]})
    commune = places().communes.get(commune_code or "")
    return render(
        request,
        "directory_services.html",
        session,
        results=results,
        names=names,
        vocabulary=vocabulary,
        thematique=thematique,
        public=public,
        departement=departement,
        code_insee=code_insee,
        page=page,
        errors=errors,
        choices=choices,
        commune=commune,
    )


@router.get("/{org_id}", response_class=HTMLResponse, summary="Fiche d'une organisation (public)")
async def organisation_page(
    request: Request, org_id: uuid.UUID, directory: DirectoryDep, session: MaybeSession
) -> Response:
    api = await directory.api()
    org = await api.get(f"/v1/organisations/{org_id}")
    services = await api.get("/v1/directory/services", organisation_id=str(org_id), limit=100)
    return render(request, "organisation.html", session, org=org, services=services["items"])
