"""Training: the counsellor searches sessions with free seats and enrols a person through a referral to
the session's provider (two clicks: the session, then send); the training provider sees its sessions,
their enrolments and waitlist, takes the attendance of a day, records completion or abandonment.

The provider's pages show only what the training API holds on a trainee (an opaque number, the state of
the enrolment, the referral it came from): names stay in the referral service.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import N_, Translated
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.session import Session
from relais_portal.training_api import Training
from relais_portal.web.deps import (
    PARIS,
    Api,
    CsrfSession,
    CurrentSession,
    DirectoryDep,
    render,
    typed_day,
    unknown_action,
)

router = APIRouter(prefix="/formations", tags=["formations"])

KINDS = Translated(
    {
        "fle": N_("Français langue étrangère"),
        "digital": N_("Compétences numériques"),
        "pre_qualifying": N_("Préqualification"),
        "qualifying": N_("Formation qualifiante"),
        "work_readiness": N_("Préparation à l'emploi"),
        "other": N_("Autre formation"),
    }
)
STATES = Translated(
    {
        "planned": N_("Programmée"),
        "open": N_("Ouverte"),
        "full": N_("Complète"),
        "running": N_("En cours"),
        "finished": N_("Terminée"),
        "cancelled": N_("Annulée"),
    }
)
ENROLMENT_STATES = Translated(
    {
        "confirmed": N_("Inscrite"),
        "waitlisted": N_("En liste d'attente"),
        "completed": N_("Formation terminée"),
        "abandoned": N_("Abandon"),
        "cancelled": N_("Inscription annulée"),
    }
)
OUTCOMES = Translated({"certified": N_("certification obtenue"), "completed": N_("sans certification")})
ABANDON_REASONS = Translated(
    {
        "health": N_("Santé"),
        "family": N_("Raisons familiales"),
        "mobility": N_("Mobilité, transport"),
        "hired": N_("Embauche"),
        "lack_of_motivation": N_("Manque de motivation"),
        "other": N_("Autre motif"),
    }
)
DONE = Translated(
    {
        "emargement": N_("Émargement enregistré."),
        "terminee": N_("Fin de formation enregistrée."),
        "abandon": N_("Abandon enregistré : le référent de la personne reçoit une tâche de réorientation."),
    }
)
LABELS = {
    "kinds": KINDS,
    "states": STATES,
    "enrolment_states": ENROLMENT_STATES,
    "outcomes": OUTCOMES,
    "abandon_reasons": ABANDON_REASONS,
}


def _is_provider(session: Session) -> bool:
    return session.role == "training_provider"


def _today() -> date:
    return datetime.now(PARIS).date()


@router.get("", response_class=HTMLResponse, summary="Formations : chercher une session, ou mes sessions")
async def training_home(
    request: Request,
    session: CurrentSession,
    training: Training,
    api: Api,
    directory: DirectoryDep,
    type: str = "",
    du: str = "",
    au: str = "",
    commune: str = "",
    garde: bool = False,
    personne: uuid.UUID | None = None,
) -> Response:
    if _is_provider(session):
        mine = await training.sessions(provider_org_id=session.org_id, include_closed=True)
        current = [s for s in mine if s["state"] not in ("finished", "cancelled")]
        past = sorted(
            (s for s in mine if s["state"] in ("finished", "cancelled")),
            key=lambda s: s["starts_on"],
            reverse=True,
        )
        return render(
            request, "training/provider_sessions.html", session, sessions=current, past=past, t=LABELS
        )
    values = {"type": type, "du": du, "au": au, "commune": commune, "garde": garde}
    errors = {
        name: _("La date n'est pas valide (jj/mm/aaaa).")
        for name, value in (("du", du), ("au", au))
        if value and typed_day(value) is None
    }
    place = commune.strip()
    filters: dict[str, Any] = {
        "kind": type or None,
        "starts_after": None if "du" in errors else du or _today().isoformat(),
        "starts_before": None if "au" in errors else au or None,
        "free_seats": True,
        "childcare": True if garde else None,
    }
    if len(place) == 5 and place.isalnum() and any(c.isdigit() for c in place):
        filters["code_insee"] = place  # a commune's INSEE code; a name is matched below
    try:
        found = await training.sessions(**filters)
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        found, errors["recherche"] = [], problem.message
    if place and "code_insee" not in filters:
        wanted = _folded(place)
        found = [s for s in found if wanted in _folded(s["commune"])]
    person = await api.get(f"/v1/jobseekers/{personne}") if personne else None
    names = await directory.names({s["provider_org_id"] for s in found})
    return render(
        request,
        "training/search.html",
        session,
        sessions=found,
        names=names,
        values=values,
        errors=errors,
        person=person,
        t=LABELS,
    )


def _folded(text: str) -> str:
    """Lower case without accents: « Rezé » is found by « reze »."""
    return "".join(
        c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn"
    )


def _motive(found: dict[str, Any]) -> str:
    return _("Inscription à la session « %(title)s » du %(start)s au %(end)s à %(commune)s.") % {
        "title": found.get("title") or KINDS.get(found.get("kind") or "other", ""),
        "start": date.fromisoformat(found["starts_on"]).strftime("%d/%m/%Y"),
        "end": date.fromisoformat(found["ends_on"]).strftime("%d/%m/%Y"),
        "commune": found["commune"],
    }


@router.get(
    "/sessions/{session_id}/inscrire",
    response_class=HTMLResponse,
    summary="Inscrire une personne à une session (une orientation vers l'organisme)",
)
async def enrol_form(
    request: Request,
    session_id: uuid.UUID,
    session: CurrentSession,
    training: Training,
    api: Api,
    directory: DirectoryDep,
    personne: uuid.UUID | None = None,
    debut: str = "",
    q: str = "",
) -> Response:
    found = await training.session(str(session_id))
    return await _enrol_page(request, session, api, directory, found, personne, q)


async def _enrol_page(
    request: Request,
    session: Session,
    api: Api,
    directory: DirectoryDep,
    found: dict[str, Any],
    personne: uuid.UUID | str | None,
    q: str = "",
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Response:
    person = await api.get(f"/v1/jobseekers/{personne}") if personne else None
    people = None
    if person is None:
        people = await api.get("/v1/jobseekers", q=q.strip() or None, limit=20)
    provider = await directory.organisation(found["provider_org_id"])
    return render(
        request,
        "training/enrol.html",
        session,
        status_code,
        found=found,
        provider=provider,
        person=person,
        people=people,
        q=q,
        values=values or {"motive": _motive(found), "idempotency_key": str(uuid.uuid4())},
        errors=errors or {},
        problem=problem,
        t=LABELS,
    )


@router.post("/sessions/{session_id}/inscrire", summary="Envoyer l'orientation vers la session")
async def enrol(
    request: Request,
    session_id: uuid.UUID,
    session: CsrfSession,
    training: Training,
    api: Api,
    directory: DirectoryDep,
    jobseeker_id: Annotated[str, Form()] = "",
    motive: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    found = await training.session(str(session_id))
    try:
        referral = await api.post(
            "/v1/referrals",
            {
                "jobseeker_id": jobseeker_id or None,
                "receiver_org_id": found["provider_org_id"],
                "motive": motive,
                "training_session_id": found["id"],
            },
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
        )
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        values = {"motive": motive, "idempotency_key": idempotency_key}
        return await _enrol_page(
            request,
            session,
            api,
            directory,
            found,
            jobseeker_id or None,
            status_code=422,
            values=values,
            errors=problem.field_errors(),
            problem=problem.message,
        )
    return RedirectResponse(f"/orientations/{referral['id']}?fait=envoyee", status_code=303)


@router.get(
    "/sessions/{session_id}",
    response_class=HTMLResponse,
    summary="Une session de l'organisme : inscriptions, liste d'attente, émargement",
)
async def provider_session(
    request: Request,
    session_id: uuid.UUID,
    session: CurrentSession,
    training: Training,
    debut: str = "",
    jour: str = "",
    fait: str = "",
    presents: int | None = None,
) -> Response:
    enrolments = await training.get(f"/v1/sessions/{session_id}/enrolments")  # 403/404 if not its own
    found = await training.session(str(session_id))
    day = _sheet_day(found, jour)
    # The sheet of the day as it was recorded: reopening it shows who was ticked.
    recorded = await training.attendance(str(session_id), day.isoformat())
    ticked = {enrolment for enrolment, present in recorded.items() if present}
    return _session_page(request, session, found, enrolments, jour, fait, presents, ticked=ticked)


def _sheet_day(found: dict[str, Any], jour: str) -> date:
    """The day asked for, else today within the session's dates."""
    start, end = date.fromisoformat(found["starts_on"]), date.fromisoformat(found["ends_on"])
    return typed_day(jour) or min(max(_today(), start), end)


def _session_page(
    request: Request,
    session: Session,
    found: dict[str, Any],
    enrolments: list[dict[str, Any]],
    jour: str = "",
    fait: str = "",
    presents: int | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    ticked: set[str] | None = None,
) -> Response:
    day = _sheet_day(found, jour)
    return render(
        request,
        "training/session.html",
        session,
        status_code,
        found=found,
        confirmed=[e for e in enrolments if e["status"] == "confirmed"],
        waitlist=[e for e in enrolments if e["status"] == "waitlisted"],
        closed=[e for e in enrolments if e["status"] not in ("confirmed", "waitlisted")],
        day=day,
        done=DONE.get(fait, ""),
        presents=presents,
        errors=errors or {},
        ticked=ticked or set(),
        t=LABELS,
    )


def _back(session_id: uuid.UUID, starts_on: str, anchor: str, **query: Any) -> RedirectResponse:
    params = urlencode({"debut": starts_on, **{k: v for k, v in query.items() if v is not None}}, doseq=True)
    return RedirectResponse(f"/formations/sessions/{session_id}?{params}#{anchor}", status_code=303)


@router.post("/sessions/{session_id}/emargement", summary="Émarger une journée de la session")
async def attendance(
    request: Request, session_id: uuid.UUID, session: CsrfSession, training: Training
) -> Response:
    form = await request.form()
    day = str(form.get("day", ""))
    starts_on = str(form.get("starts_on", ""))
    enrolled = [str(v) for v in form.getlist("enrolment")]
    here = {str(v) for v in form.getlist("present")}
    try:
        await training.post(
            f"/v1/sessions/{session_id}/attendance",
            {"day": day or None, "present": {e: e in here for e in enrolled}},
        )
    except ApiProblem as problem:
        if problem.status in (403, 404, 503):
            raise
        enrolments = await training.get(f"/v1/sessions/{session_id}/enrolments")
        found = await training.session(str(session_id))
        message = problem.field_errors().get("day") or problem.message
        return _session_page(
            request, session, found, enrolments, day, status_code=422, errors={"day": message}, ticked=here
        )
    return _back(
        session_id,
        starts_on,
        "emargement",
        jour=day,
        fait="emargement",
        presents=len(here),
    )


@router.post("/inscriptions/{enrolment_id}/{action}", summary="Fin de formation ou abandon")
async def close_enrolment(
    request: Request,
    enrolment_id: uuid.UUID,
    action: str,
    session: CsrfSession,
    training: Training,
    session_id: Annotated[uuid.UUID, Form()],
    starts_on: Annotated[str, Form()] = "",
    certified: Annotated[str, Form()] = "",
    reason_code: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any]
    if action == "terminer":
        path, body = "complete", {"certified": certified == "oui"}
    elif action == "abandonner":
        path, body = "abandon", {"reason_code": reason_code or None}
    else:
        return unknown_action(request, session, _("Cette action n'existe pas pour une inscription."))
    try:
        await training.post(f"/v1/enrolments/{enrolment_id}/{path}", body)
    except ApiProblem as problem:
        if problem.status in (403, 404, 503):
            raise
        enrolments = await training.get(f"/v1/sessions/{session_id}/enrolments")
        found = await training.session(str(session_id))
        errors = {str(enrolment_id): problem.field_errors().get("reason_code") or problem.message}
        return _session_page(request, session, found, enrolments, status_code=422, errors=errors)
    done = "terminee" if action == "terminer" else "abandon"
    return _back(session_id, starts_on, "inscrits", fait=done)
