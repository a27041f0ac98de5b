"""A referral's page with every action its state allows, and the new-referral form."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import N_, Translated
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.session import Session
from relais_portal.web import labels
from relais_portal.web.deps import (
    PARIS,
    Api,
    CsrfSession,
    CurrentSession,
    DirectoryDep,
    render,
    unknown_action,
)
from relais_portal.web.training import referral_training

router = APIRouter(prefix="/orientations", tags=["orientations"])

RECEIVER_ACTIONS = {
    "submitted": ["acknowledge", "appointment", "accept", "refuse"],
    "acknowledged": ["appointment", "accept", "refuse"],
    "appointment_scheduled": ["appointment-outcome", "appointment", "accept", "refuse"],
    "accepted": ["close"],
}
SENDER_ACTIONS = {
    "submitted": ["withdraw"],
    "acknowledged": ["withdraw"],
    "appointment_scheduled": ["withdraw"],
    # Back to the sender: the same re-orientation as the home page's task (a link to the new-referral form).
    "refused": ["reorient"],
    "expired": ["reorient"],
}
# Once an appointment's outcome is in, the API refuses another one and a new date alike (the referral
# awaits the receiver's decision): the page shows the outcome and offers neither form.
AFTER_OUTCOME = ("appointment-outcome", "appointment")
DONE = Translated(
    {
        "acknowledge": N_("Réception confirmée."),
        "appointment": N_("Rendez-vous enregistré."),
        "appointment-outcome": N_("Résultat du rendez-vous enregistré."),
        "accept": N_("Orientation acceptée : votre structure devient référente de la personne."),
        "refuse": N_("Refus enregistré : l'orientation revient à la structure d'origine."),
        "withdraw": N_("Orientation retirée."),
        "close": N_("Accompagnement clôturé."),
    }
)


def actions_for(
    referral: dict[str, Any], session: Session, appointment_outcome: str | None = None
) -> list[str]:
    if referral["receiver_org_id"] == session.org_id:
        actions = RECEIVER_ACTIONS.get(referral["status"], [])
        return [a for a in actions if a not in AFTER_OUTCOME] if appointment_outcome else actions
    if referral["sender_org_id"] == session.org_id:
        return SENDER_ACTIONS.get(referral["status"], [])
    return []


async def appointment_outcome(api: Api, referral: dict[str, Any]) -> str | None:
    """The outcome recorded for the referral's current appointment, if any.

    The referral's answer does not carry it (only the person's journey does, as a line of its history):
    it is the latest outcome line of this referral when no appointment was fixed after it."""
    if referral.get("appointment_outcome"):
        return str(referral["appointment_outcome"])
    if referral["status"] != "appointment_scheduled":
        return None  # a no-show's re-invitation takes the referral back to "acknowledged"
    try:
        journey = await api.get(f"/v1/jobseekers/{referral['jobseeker_id']}/journey")
    except ApiProblem as problem:
        if problem.status not in (403, 404):
            raise
        return None
    outcome = None
    for entry in journey["history"]:
        if entry.get("referral_id") != referral["id"]:
            continue
        if entry["kind"] == "referral_appointment_scheduled":
            outcome = None
        elif entry["kind"] == "referral_appointment_outcome":
            outcome = entry.get("detail")
    return outcome


async def _page(
    request: Request,
    api: Api,
    directory: DirectoryDep,
    session: Session,
    referral_id: uuid.UUID,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    referral = await api.get(f"/v1/referrals/{referral_id}")
    try:
        person = await api.get(f"/v1/jobseekers/{referral['jobseeker_id']}")
    except ApiProblem as problem:
        # A receiver that refused no longer sees the person: the referral page stays, without them.
        if problem.status not in (403, 404):
            raise
        person = None
    names = await directory.names({referral["sender_org_id"], referral["receiver_org_id"]})
    try:
        notes = (await api.get(f"/v1/referrals/{referral_id}/notes"))["items"]
    except ApiProblem as problem:
        if problem.status not in (403, 404):
            raise
        notes = None  # only the two organisations of the referral exchange notes
    outcome = await appointment_outcome(api, referral) if person is not None else None
    return render(
        request,
        "referral.html",
        session,
        status_code,
        referral=referral,
        person=person,
        names=names,
        actions=actions_for(referral, session, outcome),
        appointment_outcome=outcome,
        notes=notes,
        done=DONE.get(request.query_params.get("fait", "")),
        training_enrolment=await referral_training(request, session, referral),
        **extra,
    )


@router.get("/nouvelle", response_class=HTMLResponse, summary="Nouvelle orientation")
async def new_referral_form(
    request: Request,
    session: CurrentSession,
    api: Api,
    directory: DirectoryDep,
    personne: uuid.UUID | None = None,
    type: str = "",
    q: str = "",
    doublons: int = 0,
    visibles: str = "",
) -> Response:
    person = await api.get(f"/v1/jobseekers/{personne}") if personne else None
    duplicates = {"count": max(doublons, 0), "visible": _ids(visibles)}
    return await _form(request, session, directory, person, type, {}, {}, q=q, duplicates=duplicates)


def _ids(text: str) -> list[str]:
    """The well-formed ids of a comma-separated list (a link's parameter: anything else is dropped)."""
    found = []
    for part in text.split(",")[:20]:
        try:
            found.append(str(uuid.UUID(part.strip())))
        except ValueError:
            continue
    return found


async def _form(
    request: Request,
    session: Session,
    directory: DirectoryDep,
    person: dict[str, Any] | None,
    kind: str,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    problem: str = "",
    q: str = "",
    duplicates: dict[str, Any] | None = None,
) -> Response:
    page = await directory.search(kind=kind or None, q=q.strip() or None, limit=200)
    # A public buyer, an employer and the pact's coordination accompany nobody: not offered as receivers.
    receivers = [
        org
        for org in page["items"]
        if org["id"] != session.org_id and org.get("kind") not in labels.NOT_RECEIVERS
    ]
    return render(
        request,
        "referral_new.html",
        session,
        status_code,
        person=person,
        receivers=receivers,
        kind=kind,
        q=q,
        values=values,
        errors=errors,
        problem=problem,
        duplicates=duplicates or {"count": 0, "visible": []},
        idempotency_key=values.get("idempotency_key") or uuid.uuid4(),
    )


@router.post("", summary="Envoyer une orientation")
async def create_referral(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    jobseeker_id: Annotated[str, Form()] = "",
    receiver_org_id: Annotated[str, Form()] = "",
    motive: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
    type: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
) -> Response:
    values = {"receiver_org_id": receiver_org_id, "motive": motive, "idempotency_key": idempotency_key}
    person = None
    try:
        person = await api.get(f"/v1/jobseekers/{jobseeker_id}") if jobseeker_id else None
        referral = await api.post(
            "/v1/referrals",
            {
                "jobseeker_id": jobseeker_id or None,
                "receiver_org_id": receiver_org_id or None,
                "motive": motive,
            },
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
        )
    except ApiProblem as problem:
        return await _form(
            request, session, directory, person, type, values, problem.field_errors(), 422, problem.message, q
        )
    return RedirectResponse(f"/orientations/{referral['id']}?fait=envoyee", status_code=303)


@router.get("/{referral_id}", response_class=HTMLResponse, summary="Une orientation")
async def referral_page(
    request: Request, referral_id: uuid.UUID, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    return await _page(request, api, directory, session, referral_id)


def _appointment_at(date_value: str, time_value: str) -> str | None:
    try:
        local = datetime.fromisoformat(f"{date_value}T{time_value or '09:00'}")
    except ValueError:
        return None
    return local.replace(tzinfo=PARIS).isoformat()


@router.post("/{referral_id}/notes", summary="Ajouter une note à l'orientation")
async def add_note(
    request: Request,
    referral_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        await api.post(f"/v1/referrals/{referral_id}/notes", {"text": text})
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        errors = {"note": problem.field_errors().get("text") or problem.message}
        return await _page(
            request, api, directory, session, referral_id, 422, errors=errors, values={"note": text}
        )
    return RedirectResponse(f"/orientations/{referral_id}#notes", status_code=303)


@router.post("/{referral_id}/{action}", summary="Agir sur une orientation")
async def act(
    request: Request,
    referral_id: uuid.UUID,
    action: str,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
) -> Response:
    form = await request.form()
    field = {key: str(value) for key, value in form.items()}
    body: dict[str, Any] | None = None
    if action == "appointment":
        at = _appointment_at(field.get("date", ""), field.get("time", ""))
        if at is None:
            return await _page(
                request,
                api,
                directory,
                session,
                referral_id,
                422,
                errors={"appointment_at": _("Indiquez la date du rendez-vous.")},
                values=field,
            )
        body = {"appointment_at": at}
    elif action == "appointment-outcome":
        body = {"outcome": field.get("outcome") or None}
    elif action == "refuse":
        body = {
            "reason": field.get("reason") or None,
            "comment": field.get("comment") or None,
            "shared_with_jobseeker": field.get("shared_with_jobseeker") == "on",
        }
    elif action == "close":
        body = {"outcome": field.get("outcome") or None}
    elif action not in ("acknowledge", "accept", "withdraw"):
        return unknown_action(request, session, _("Cette action n'existe pas pour une orientation."))
    try:
        await api.post(f"/v1/referrals/{referral_id}/{action}", body)
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        errors = problem.field_errors()
        if action == "refuse" and "comment" in errors and field.get("reason") == "other":
            errors["comment"] = _("Un commentaire est obligatoire pour « Autre motif ».")
        if "appointment_at" not in errors and action == "appointment" and problem.status == 422:
            errors["appointment_at"] = problem.message
        return await _page(
            request,
            api,
            directory,
            session,
            referral_id,
            422,
            errors=errors,
            problem=problem.message,
            failed_action=action,
            values=field,
        )
    return RedirectResponse(f"/orientations/{referral_id}?fait={action}", status_code=303)
