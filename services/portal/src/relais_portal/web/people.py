"""A person's page (référent, follow-up group, open referrals, tasks, journey) and registration."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.referral_api import ApiProblem
from relais_portal.web.deps import Api, CsrfSession, CurrentSession, DirectoryDep, render

router = APIRouter(prefix="/personnes", tags=["personnes"])


@router.get("/nouvelle", response_class=HTMLResponse, summary="Inscrire une personne")
async def new_person_form(request: Request, session: CurrentSession) -> Response:
    return render(request, "person_new.html", session, values={}, errors={}, problem="")


@router.post("", summary="Inscrire une personne")
async def register_person(
    request: Request,
    session: CsrfSession,
    api: Api,
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    postcode: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    information_given: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
        "postcode": postcode,
        "email": email,
        "phone": phone,
        "information_given": information_given,
    }
    body: dict[str, Any] = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "postcode": postcode.strip(),
        "birth_date": birth_date or None,
        "email": email.strip() or None,
        "phone": phone.strip() or None,
        "information_given": information_given == "on",
    }
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
    return RedirectResponse(f"/orientations/nouvelle?personne={person['id']}", status_code=303)


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
    if journey:
        ids |= {journey.get("referent_org_id") or "", *journey["follow_up_org_ids"]}
        ids |= {entry.get("org_id") or "" for entry in journey["history"]}
    names = await directory.names(ids)
    return render(request, "person.html", session, person=person, journey=journey, names=names)
