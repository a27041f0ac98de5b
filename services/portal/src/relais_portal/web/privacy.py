"""A person's data-protection rights in the portal, and the data-protection officer's audit log.

- Access (GDPR art. 15): the counsellor downloads everything Relais holds on the person, as a PDF to
  hand over or as JSON, from the person's page.
- Erasure (art. 17): the référent organisation or the pact coordination erases the person's identity and
  free texts after a confirmation page saying what goes and what stays; refused while a referral is open.
- The pact's DPO (role ``dpo``) reads who accessed or changed whose data, by person, organisation and
  period. The referral API decides who may do each; the pages only offer what the role can use.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import N_, Translated
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.web.deps import Api, CsrfSession, CurrentSession, DirectoryDep, render, typed_day

router = APIRouter(tags=["protection des données"])
PAGE = 50
EXPORT_TYPES = {"pdf": "application/pdf", "json": "application/json"}
ACTIONS = Translated(
    {
        "read": N_("Consultation"),
        "get_jobseeker": N_("Consultation"),
        "search": N_("Recherche"),
        "create": N_("Inscription"),
        "correct": N_("Rectification"),
        "read_history": N_("Historique des rectifications"),
        "read_referrals": N_("Orientations de la personne"),
        "refer": N_("Orientation"),
        "note": N_("Note sur une orientation"),
        "read_notes": N_("Lecture des notes"),
        "read_needs": N_("Lecture des besoins"),
        "need_identified": N_("Besoin identifié"),
        "need_lifted": N_("Besoin levé"),
        "release": N_("Fin d'accompagnement"),
        "assign_referent": N_("Désignation du référent"),
        "exit": N_("Sortie du pacte"),
        "life_event": N_("Événement de parcours"),
        "export": N_("Export (droit d'accès)"),
        "erase": N_("Effacement"),
        "merge": N_("Fusion de fiches"),
    }
)
RESOURCES = Translated(
    {
        "journey": N_("Parcours n° %(number)s"),
        "referral": N_("Orientation n° %(number)s"),
        "audit_log": N_("Journal des accès"),
    }
)
OUTCOMES = Translated({"allowed": N_("Autorisé"), "refused": N_("Refusé"), "ok": N_("Autorisé")})


@router.get("/personnes/{jobseeker_id}/export.{extension}", summary="Droit d'accès : l'export d'une personne")
async def export(jobseeker_id: uuid.UUID, extension: str, session: CurrentSession, api: Api) -> Response:
    if extension not in EXPORT_TYPES:
        raise ApiProblem(404, {})
    path = f"/v1/jobseekers/{jobseeker_id}/export" + (".pdf" if extension == "pdf" else "")
    answer = await api.raw("GET", path)
    return Response(
        answer.content,
        media_type=EXPORT_TYPES[extension],
        headers={
            "Content-Disposition": f'attachment; filename="relais-export-{jobseeker_id}.{extension}"',
            "Cache-Control": "no-store",  # personal data: never kept by a browser or a proxy
        },
    )


@router.get(
    "/personnes/{jobseeker_id}/effacement",
    response_class=HTMLResponse,
    summary="Droit à l'effacement : confirmer",
)
async def erasure_form(
    request: Request, jobseeker_id: uuid.UUID, session: CurrentSession, api: Api, problem: str = ""
) -> Response:
    person = await api.get(f"/v1/jobseekers/{jobseeker_id}")
    return render(request, "privacy/erasure.html", session, person=person, problem=problem)


@router.post("/personnes/{jobseeker_id}/effacement", summary="Droit à l'effacement : effacer")
async def erase(request: Request, jobseeker_id: uuid.UUID, session: CsrfSession, api: Api) -> Response:
    try:
        await api.post(f"/v1/jobseekers/{jobseeker_id}/erasure")
    except ApiProblem as problem:
        if problem.status not in (403, 409):  # not the référent, an open referral: said on the form
            raise
        return await erasure_form(request, jobseeker_id, session, api, problem=problem.message)
    return RedirectResponse("/personnes?fait=effacement", status_code=303)


@router.get("/protection-des-donnees", response_class=HTMLResponse, summary="Journal des accès (DPO)")
async def audit_page(
    request: Request,
    session: CurrentSession,
    api: Api,
    directory: DirectoryDep,
    personne: str = "",
    structure: str = "",
    du: str = "",
    au: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    # The pact's DPO reads every organisation's accesses; an organisation's DPO, its own people's.
    of_the_pact = session.org_kind == "pact_coordination"
    if not of_the_pact:
        structure = session.org_id
    values = {"personne": personne.strip(), "structure": structure, "du": du, "au": au}
    errors: dict[str, str] = {}
    if values["personne"]:
        try:
            uuid.UUID(values["personne"])
        except ValueError:
            errors["personne"] = _("Collez l'identifiant complet de la personne (36 caractères).")
    since, until = typed_day(du), typed_day(au)
    for name, value, parsed in (("du", du, since), ("au", au, until)):
        if value and parsed is None:
            errors[name] = _("La date n'est pas valide (jj/mm/aaaa).")
    if since and until and since > until:
        errors["au"] = _("Ce jour est avant le début de la période.")
    lines: list[dict[str, Any]] = []
    if not errors:
        found = await api.get(
            "/v1/audit",
            jobseeker_id=values["personne"] or None,
            organisation_id=structure or None,
            since=datetime.combine(since, time.min).isoformat() if since else None,
            # "au" is the last day shown: the API's bound is the next midnight, excluded
            until=datetime.combine(until + timedelta(days=1), time.min).isoformat() if until else None,
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
        lines = found["items"]
    organisations = (await directory.search(limit=200))["items"] if of_the_pact else []
    if not of_the_pact:
        organisations = [{"id": session.org_id, "name": session.org_name}]
    return render(
        request,
        "privacy/audit.html",
        session,
        422 if errors else 200,
        lines=lines[:PAGE],
        more=len(lines) > PAGE,
        page=page,
        values=values,
        errors=errors,
        organisations=organisations,
        names={org["id"]: org["name"] for org in organisations},
        actions=ACTIONS,
        outcomes=OUTCOMES,
        resources=RESOURCES,
        answers_access=of_the_pact and session.role == "dpo",  # the API exports for the pact's DPO only
    )
