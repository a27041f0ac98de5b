"""The pact coordination's page: people left without a référent, referrals nobody answers, and
designating a référent (the only personal decision the coordination takes; the API checks the role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem, ReferralApi
from relais_portal.session import Session
from relais_portal.web.deps import Api, CsrfSession, CurrentSession, Directory, DirectoryDep, render

router = APIRouter(prefix="/coordination", tags=["coordination"])
# Organisations that can be a person's référent de parcours.
REFERENT_KINDS = ("france_travail", "mission_locale", "plie", "cap_emploi", "departement")


@router.get(
    "", response_class=HTMLResponse, summary="Coordination du pacte : personnes sans référent, relances"
)
async def coordination_page(
    request: Request, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    return await _page(request, session, api, directory)


async def _page(
    request: Request,
    session: Session,
    api: ReferralApi,
    directory: Directory,
    problem: str = "",
    merge_problem: str = "",
    merge_values: dict[str, str] | None = None,
) -> Response:
    tasks = (await api.get(f"/v1/organisations/{session.org_id}/tasks", status="open", limit=200))["items"]
    organisations = (await directory.search(limit=200))["items"]
    referents = [org for org in organisations if org["kind"] in REFERENT_KINDS]
    names = {org["id"]: org["name"] for org in organisations}
    return render(
        request,
        "coordination.html",
        session,
        unaccompanied=[t for t in tasks if t["kind"] == "assign_referent"],
        others=[t for t in tasks if t["kind"] != "assign_referent"],
        referents=referents,
        names=names,
        problem=problem,
        done=request.query_params.get("fait") == "referent",
        merged=_id(request.query_params.get("fusionnee", "")),
        merge_problem=merge_problem,
        merge_values=merge_values or {},
    )


def _id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return ""


@router.post("/fusion", summary="Fusionner une fiche en double dans une autre")
async def merge_records(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    kept_id: Annotated[str, Form()] = "",
    duplicate_id: Annotated[str, Form()] = "",
) -> Response:
    values = {"kept_id": kept_id.strip(), "duplicate_id": duplicate_id.strip()}
    kept, duplicate = _id(values["kept_id"]), _id(values["duplicate_id"])
    if not kept or not duplicate:
        message = _("Donnez les deux numéros complets (36 caractères chacun).")
    else:
        try:
            await api.post(f"/v1/jobseekers/{kept}/merge", {"duplicate_id": duplicate})
            return RedirectResponse(f"/coordination?fusionnee={kept}#fusion", status_code=303)
        except ApiProblem as problem:
            if problem.status == 403:
                raise
            # 404: one of the two numbers is unknown (the API does not say which); 409: the same record
            message = problem.message
    return await _page(request, session, api, directory, merge_problem=message, merge_values=values)


@router.post("/referent", summary="Désigner le référent d'une personne")
async def designate_referent(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    jobseeker_id: Annotated[uuid.UUID, Form()],
    org_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        await api.post(f"/v1/jobseekers/{jobseeker_id}/assign-referent", {"org_id": org_id or None})
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        return await _page(
            request, session, api, directory, problem=problem.field_errors().get("org_id") or problem.message
        )
    return RedirectResponse("/coordination?fait=referent", status_code=303)
