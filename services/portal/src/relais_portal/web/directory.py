"""The public directory of actors: no sign-in, no personal data (organisations, their sites, capacity)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from relais_portal.web.deps import DirectoryDep, MaybeSession, render

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
    results = await directory.search(
        kind=type or None,
        q=q.strip() or None,
        departement=departement.strip() or None,
        offset=(page - 1) * 20,
        limit=20,
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
    )


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
    results = await api.get(
        "/v1/directory/services",
        thematique=thematique or None,
        public=public or None,
        departement=departement.strip() or None,
        code_insee=code_insee.strip() or None,
        offset=(page - 1) * 20,
        limit=20,
    )
    names = await directory.names({item["organisation_id"] for item in results["items"]})
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
    )


@router.get("/{org_id}", response_class=HTMLResponse, summary="Fiche d'une organisation (public)")
async def organisation_page(
    request: Request, org_id: uuid.UUID, directory: DirectoryDep, session: MaybeSession
) -> Response:
    api = await directory.api()
    org = await api.get(f"/v1/organisations/{org_id}")
    services = await api.get("/v1/directory/services", organisation_id=str(org_id), limit=100)
    return render(request, "organisation.html", session, org=org, services=services["items"])
