"""People: search among mine, a person's page (référent, follow-up group, needs, open referrals, tasks,
journey), registration, and needs with the directory's services that answer them (one click to refer)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.web.deps import PARIS, Api, CsrfSession, CurrentSession, DirectoryDep, render

router = APIRouter(prefix="/personnes", tags=["personnes"])
PAGE = 20


@router.get(
    "", response_class=HTMLResponse, summary="Mes personnes : rechercher parmi les personnes accompagnées"
)
async def my_people(
    request: Request, session: CurrentSession, api: Api, q: str = "", page: int = 1, orienter: bool = False
) -> Response:
    page = max(page, 1)
    found = await api.get("/v1/jobseekers", q=q.strip() or None, offset=(page - 1) * PAGE, limit=PAGE)
    return render(
        request, "people.html", session, found=found, q=q, page=page, page_size=PAGE, orienter=orienter
    )


@router.get("/nouvelle", response_class=HTMLResponse, summary="Inscrire une personne")
async def new_person_form(request: Request, session: CurrentSession) -> Response:
    return render(request, "person_new.html", session, values={}, errors={}, problem="")


class PersonForm(BaseModel):
    """What the registration and the correction forms post: identity, contact and the person's categories
    (sex, nationality category, education level, situation codes) for the equality monitoring."""

    first_name: str = ""
    last_name: str = ""
    birth_date: str = ""
    postcode: str = ""
    email: str = ""
    phone: str = ""
    sex: str = ""
    nationality_category: str = ""
    education_level: str = ""
    situation: list[str] = []

    def body(self) -> dict[str, Any]:
        """The API's body: an empty answer is ``null`` (not recorded, or emptied by a correction)."""
        return {
            "first_name": self.first_name.strip(),
            "last_name": self.last_name.strip(),
            "postcode": self.postcode.strip(),
            "birth_date": self.birth_date or None,
            "email": self.email.strip() or None,
            "phone": self.phone.strip() or None,
            "sex": self.sex or None,
            "nationality_category": self.nationality_category or None,
            "education_level": self.education_level or None,
            "situation": self.situation,
        }


class RegistrationForm(PersonForm):
    information_given: str = ""


@router.post("", summary="Inscrire une personne")
async def register_person(
    request: Request,
    session: CsrfSession,
    api: Api,
    form: Annotated[RegistrationForm, Form()],
) -> Response:
    values = form.model_dump()
    body = {**form.body(), "information_given": form.information_given == "on"}
    try:
        person = await api.post("/v1/jobseekers", body)
    except ApiProblem as problem:
        return render(
            request,
            "person_new.html",
            session,
            422,
            values=values,
            errors=problem.field_errors(),
            problem=problem.message,
        )
    target = f"/orientations/nouvelle?personne={person['id']}"
    if person.get("possible_duplicates"):
        # Someone of the pact has the same name and birth date: say so before a second referral is sent.
        seen = ",".join(str(i) for i in person.get("duplicates_visible") or [])
        target += f"&doublons={person['possible_duplicates']}&visibles={seen}"
    return RedirectResponse(target, status_code=303)


@router.get(
    "/{jobseeker_id}/modifier",
    response_class=HTMLResponse,
    summary="Corriger les informations d'une personne",
)
async def edit_person_form(
    request: Request, jobseeker_id: uuid.UUID, session: CurrentSession, api: Api
) -> Response:
    person = await api.get(f"/v1/jobseekers/{jobseeker_id}")
    values = PersonForm.model_validate(
        {name: person.get(name) or PersonForm.model_fields[name].default for name in PersonForm.model_fields}
    ).model_dump()
    return render(request, "person_edit.html", session, person=person, values=values, errors={}, problem="")


@router.post("/{jobseeker_id}/modifier", summary="Corriger les informations d'une personne")
async def correct_person(
    request: Request,
    jobseeker_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    form: Annotated[PersonForm, Form()],
) -> Response:
    try:
        await api.patch(f"/v1/jobseekers/{jobseeker_id}", form.body())
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        person = await api.get(f"/v1/jobseekers/{jobseeker_id}")
        errors = problem.field_errors()
        return render(
            request,
            "person_edit.html",
            session,
            422,
            person=person,
            values=form.model_dump(),
            errors=errors,
            problem=problem.message,
        )
    return RedirectResponse(f"/personnes/{jobseeker_id}?fait=modifie", status_code=303)


@router.get("/{jobseeker_id}", response_class=HTMLResponse, summary="Une personne et son parcours")
async def person_page(
    request: Request, jobseeker_id: uuid.UUID, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    person = await api.get(f"/v1/jobseekers/{jobseeker_id}")
    try:
        journey = await api.get(f"/v1/jobseekers/{jobseeker_id}/journey")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        journey = None  # the journey is a projection of events: not there yet for a person just registered
    ids = {person.get("referent_org_id") or ""}
    open_referrals: list[dict[str, Any]] = []
    if journey:
        ids |= {journey.get("referent_org_id") or "", *journey["follow_up_org_ids"]}
        ids |= {entry.get("org_id") or "" for entry in journey["history"]}
        # Each open referral by its receiver and state (its number told a counsellor nothing).
        found = await asyncio.gather(*(_referral(api, rid) for rid in journey["open_referral_ids"]))
        open_referrals = [
            referral or {"id": rid} for rid, referral in zip(journey["open_referral_ids"], found, strict=True)
        ]
        ids |= {r.get("receiver_org_id") or "" for r in open_referrals}
    names = await directory.names(ids)
    # Each follow-up after an exit is recorded from the day its horizon is reached (the API refuses it
    # sooner): the form offers the horizons reached and says when the others open.
    today = datetime.now(PARIS).date().isoformat()
    follow_ups_due = {
        str(due["horizon_months"]): (due["due_on"], due["due_on"] <= today)
        for due in (journey or {}).get("exit_follow_ups_due", [])
    }
    needs = await api.get(f"/v1/jobseekers/{jobseeker_id}/needs")
    vocabulary = await api.get("/v1/directory/vocabulary")
    return render(
        request,
        "person.html",
        session,
        person=person,
        journey=journey,
        open_referrals=open_referrals,
        follow_ups_due=follow_ups_due,
        names=names,
        needs=needs,
        thematiques=vocabulary["thematiques"],
        need_error=request.query_params.get("erreur_besoin", ""),
        situation_error=request.query_params.get("erreur_situation", ""),
        situation_done=request.query_params.get("fait", ""),
    )


async def _referral(api: Api, referral_id: str) -> dict[str, Any] | None:
    try:
        referral: dict[str, Any] = await api.get(f"/v1/referrals/{referral_id}")
    except ApiProblem as problem:
        if problem.status not in (403, 404):
            raise
        return None  # another organisation's referral: the page lists it by its number
    return referral


@router.post("/{jobseeker_id}/evenement", summary="Enregistrer un événement de vie")
async def life_event(
    jobseeker_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    kind: Annotated[str, Form()] = "",
    contract_type: Annotated[str, Form()] = "",
    weekly_hours: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"kind": kind or None}
    if kind == "hired":
        body["contract_type"] = contract_type or None
        body["weekly_hours"] = weekly_hours.replace(",", ".") or None
    return await _situation(
        api, jobseeker_id, f"/v1/jobseekers/{jobseeker_id}/life-events", body, "evenement"
    )


@router.post("/{jobseeker_id}/sortie", summary="Sortie du pacte avec son résultat")
async def exit_pact(
    jobseeker_id: uuid.UUID, session: CsrfSession, api: Api, outcome: Annotated[str, Form()] = ""
) -> Response:
    return await _situation(
        api, jobseeker_id, f"/v1/jobseekers/{jobseeker_id}/exit", {"outcome": outcome or None}, "sortie"
    )


@router.post("/{jobseeker_id}/suivi", summary="Situation de la personne à 3, 6 ou 12 mois après sa sortie")
async def exit_follow_up(
    jobseeker_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    horizon_months: Annotated[str, Form()] = "",
    situation: Annotated[str, Form()] = "",
) -> Response:
    # Anything but a horizon's number goes to the API as 0, which it refuses with a field-level answer.
    horizon = horizon_months if horizon_months in ("3", "6", "12") else "0"
    path = f"/v1/jobseekers/{jobseeker_id}/exit/follow-ups/{horizon}"
    return await _situation(
        api, jobseeker_id, path, {"situation": situation or None}, "suivi", method="PUT", anchor="suivi"
    )


async def _situation(
    api: Api,
    jobseeker_id: uuid.UUID,
    path: str,
    body: dict[str, Any],
    done: str,
    *,
    method: str = "POST",
    anchor: str = "situation",
) -> Response:
    try:
        await (api.put(path, body) if method == "PUT" else api.post(path, body))
    except ApiProblem as problem:
        if problem.status == 404:
            raise
        # 403: the API says who may (« Seule la structure référente … »), not that the page is missing.
        message = "; ".join(dict.fromkeys(problem.field_errors().values())) or _(problem.message)
        return RedirectResponse(
            f"/personnes/{jobseeker_id}?erreur_situation={quote(message)}#{anchor}", status_code=303
        )
    return RedirectResponse(f"/personnes/{jobseeker_id}?fait={done}#{anchor}", status_code=303)


@router.post("/{jobseeker_id}/besoins", summary="Identifier un besoin")
async def identify_need(
    jobseeker_id: uuid.UUID, session: CsrfSession, api: Api, thematique: Annotated[str, Form()] = ""
) -> Response:
    try:
        await api.post(f"/v1/jobseekers/{jobseeker_id}/needs", {"thematique": thematique})
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        return RedirectResponse(
            f"/personnes/{jobseeker_id}?erreur_besoin={quote(problem.message)}#besoins", status_code=303
        )
    return RedirectResponse(f"/personnes/{jobseeker_id}#besoins", status_code=303)


@router.post("/{jobseeker_id}/besoins/{need_id}/lever", summary="Lever un besoin")
async def lift_need(jobseeker_id: uuid.UUID, need_id: uuid.UUID, session: CsrfSession, api: Api) -> Response:
    await api.post(f"/v1/jobseekers/{jobseeker_id}/needs/{need_id}/lift", {})
    return RedirectResponse(f"/personnes/{jobseeker_id}#besoins", status_code=303)


@router.get(
    "/{jobseeker_id}/besoins/{need_id}",
    response_class=HTMLResponse,
    summary="Les services qui répondent à un besoin, les plus proches d'abord",
)
async def need_services(
    request: Request, jobseeker_id: uuid.UUID, need_id: uuid.UUID, session: CurrentSession, api: Api
) -> Response:
    person = await api.get(f"/v1/jobseekers/{jobseeker_id}")
    suggestions = await api.get(f"/v1/jobseekers/{jobseeker_id}/needs/{need_id}/suggestions")
    return render(
        request,
        "need_services.html",
        session,
        person=person,
        need=suggestions["need"],
        suggestions=[s for s in suggestions["items"] if s["organisation_id"] != session.org_id],
        idempotency_key=uuid.uuid4(),
    )
