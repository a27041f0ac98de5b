"""Training: the counsellor searches the sessions not started yet (with free seats, or full to join the
waitlist) and enrols a person through a referral to the session's provider (two clicks: the session,
then send); the training provider lists its sessions (upcoming, running, ended; by offer; page by page),
schedules a session of one of its offers, sees its enrolments and waitlist, takes the attendance of a
day gone by, records completion or abandonment once the session has started, finishes or cancels it.

The provider's pages show only what the training API holds on a trainee (an opaque number, the state of
the enrolment, the referral it came from): names stay in the referral service.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import N_, Translated, ngettext
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.session import Session
from relais_portal.training_api import Training, TrainingApi, open_training_api
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
        "programmee": N_("Session programmée : elle est proposée aux conseillers jusqu'à son premier jour."),
        "close": N_("Session close : les personnes encore en liste d'attente reviennent à leur conseiller."),
        "annulee": N_("Session annulée : chaque personne inscrite ou en attente revient à son conseiller."),
        "emargement": N_("Émargement enregistré."),
        "terminee": N_("Fin de formation enregistrée."),
        "abandon": N_("Abandon enregistré : le référent de la personne reçoit une tâche de réorientation."),
    }
)
CANCEL_CAUSES = Translated(
    {
        "waitlist_closed": N_("liste d'attente close au premier jour"),
        "session_started": N_("session déjà commencée"),
        "session_unavailable": N_("session terminée ou annulée"),
        "erased": N_("données effacées"),
    }
)
PERIODS = Translated(
    {
        "a-venir": N_("À venir"),
        "en-cours": N_("En cours"),
        "terminees": N_("Terminées ou annulées"),
    }
)
PHASES = {"a-venir": "upcoming", "en-cours": "running", "terminees": "ended"}
WEEKDAYS = [
    N_("lundi"),
    N_("mardi"),
    N_("mercredi"),
    N_("jeudi"),
    N_("vendredi"),
    N_("samedi"),
    N_("dimanche"),
]
PAGE_SIZE = 20
LABELS = {
    "periods": PERIODS,
    "cancel_causes": CANCEL_CAUSES,
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
    complet: bool = False,
    personne: uuid.UUID | None = None,
    periode: str = "a-venir",
    offre: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    fait: str = "",
) -> Response:
    if _is_provider(session):
        return await _provider_home(request, session, training, periode, offre, page, fait)
    values = {"type": type, "du": du, "au": au, "commune": commune, "garde": garde, "complet": complet}
    errors = {
        name: _("La date n'est pas valide (jj/mm/aaaa).")
        for name, value in (("du", du), ("au", au))
        if value and typed_day(value) is None
    }
    place = commune.strip()
    filters: dict[str, Any] = {
        "kind": type or None,
        "starts_after": None if "du" in errors else du or None,
        "starts_before": None if "au" in errors else au or None,
        # Only sessions not started yet: from its first day a session takes nobody, waitlist included.
        "enrollable": True,
        "free_seats": not complet,
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
    total = len(found)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]  # the commune's name is matched here: paged here
    person = await api.get(f"/v1/jobseekers/{personne}") if personne else None
    names = await directory.names({s["provider_org_id"] for s in shown})
    query = {k: v for k, v in values.items() if v} | ({"personne": str(personne)} if personne else {})
    return render(
        request,
        "training/search.html",
        session,
        sessions=shown,
        total=total,
        page=page,
        more=total > page * PAGE_SIZE,
        query=urlencode(query),
        names=names,
        values=values,
        errors=errors,
        person=person,
        t=LABELS,
    )


async def _provider_home(
    request: Request, session: Session, training: TrainingApi, periode: str, offre: str, page: int, fait: str
) -> Response:
    """The provider's sessions of one period (upcoming by default), of one offer if chosen, page by page."""
    periode = periode if periode in PHASES else "a-venir"
    offers = await training.offers(session.org_id)
    offer_id = offre if offre in {o["id"] for o in offers} else ""
    rows, more = await training.page(
        page,
        PAGE_SIZE,
        provider_org_id=session.org_id,
        phase=PHASES[periode],
        offer_id=offer_id or None,
    )
    return render(
        request,
        "training/provider_sessions.html",
        session,
        sessions=rows,
        offers=offers,
        periode=periode,
        offre=offer_id,
        page=page,
        more=more,
        query=urlencode({"periode": periode, **({"offre": offer_id} if offer_id else {})}),
        done=DONE.get(fait, ""),
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
    if not found.get("enrollable"):  # started (or over) since the form was shown: no referral is sent
        values = {"motive": motive, "idempotency_key": idempotency_key}
        return await _enrol_page(
            request, session, api, directory, found, jobseeker_id or None, status_code=409, values=values
        )
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


SESSION_FIELDS = (
    "offer_id",
    "starts_on",
    "ends_on",
    "timetable",
    "commune",
    "code_insee",
    "capacity",
    "transport_note",
)
SESSION_FLAGS = ("accessible", "childcare", "near_qpv")


@router.get(
    "/sessions/nouvelle",
    response_class=HTMLResponse,
    summary="Programmer une session d'une formation de l'organisme",
)
async def new_session_form(
    request: Request, session: CurrentSession, training: Training, offre: str = ""
) -> Response:
    if not _is_provider(session):
        return unknown_action(request, session, _("Seul un organisme de formation programme ses sessions."))
    return await _new_session_page(request, session, training, {"offer_id": offre})


async def _new_session_page(
    request: Request,
    session: Session,
    training: TrainingApi,
    values: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Response:
    return render(
        request,
        "training/new_session.html",
        session,
        status_code,
        offers=await training.offers(session.org_id),
        values=values,
        errors=errors or {},
        problem=problem,
        tomorrow=(_today() + timedelta(days=1)).isoformat(),
        t=LABELS,
    )


@router.post("/sessions/nouvelle", summary="Programmer la session")
async def create_session(request: Request, session: CsrfSession, training: Training) -> Response:
    if not _is_provider(session):
        return unknown_action(request, session, _("Seul un organisme de formation programme ses sessions."))
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in SESSION_FIELDS}
    values |= {flag: form.get(flag) == "oui" for flag in SESSION_FLAGS}
    errors: dict[str, str] = {}
    for name in ("starts_on", "ends_on"):
        if values[name] and typed_day(values[name]) is None:
            errors[name] = _("La date n'est pas valide (jj/mm/aaaa).")
    start = typed_day(values["starts_on"])
    if start is not None and start <= _today():
        errors["starts_on"] = _(
            "Le premier jour doit être à venir : une session commencée ne prend plus d'inscription."
        )
    if not errors:
        body = {k: (v if v != "" else None) for k, v in values.items()}
        try:
            created = await training.post("/v1/sessions", body)
        except ApiProblem as problem:
            if problem.status in (403, 503):
                raise
            return await _new_session_page(
                request, session, training, values, 422, problem.field_errors(), problem.message
            )
        return RedirectResponse(f"/formations/sessions/{created['id']}?fait=programmee", status_code=303)
    return await _new_session_page(request, session, training, values, 422, errors)


@router.post("/sessions/{session_id}/clore", summary="Clore une session commencée")
@router.post("/sessions/{session_id}/annuler", summary="Annuler une session")
async def close_session(
    request: Request,
    session_id: uuid.UUID,
    session: CsrfSession,
    training: Training,
    confirme: Annotated[str, Form()] = "",
) -> Response:
    closing = request.url.path.rsplit("/", 1)[1]  # the route taken: clore or annuler
    path, done = {"clore": ("finish", "close"), "annuler": ("cancel", "annulee")}[closing]
    if confirme != "oui":
        # Not undone, and it sends people back to their counsellors: said first, done on confirmation only
        # (the session page's modal confirms; a form posted without it lands here).
        enrolments = await training.get(f"/v1/sessions/{session_id}/enrolments")
        found = await training.session(str(session_id))
        return render(
            request,
            "training/confirm_close.html",
            session,
            closing=closing,
            found=found,
            confirmed=[e for e in enrolments if e["status"] == "confirmed"],
            waitlist=[e for e in enrolments if e["status"] == "waitlisted"],
            t=LABELS,
        )
    try:
        await training.post(f"/v1/sessions/{session_id}/{path}")
    except ApiProblem as problem:
        if problem.status in (403, 404, 503):
            raise
        enrolments = await training.get(f"/v1/sessions/{session_id}/enrolments")
        found = await training.session(str(session_id))
        return _session_page(
            request, session, found, enrolments, status_code=409, errors={"session": problem.message}
        )
    return RedirectResponse(f"/formations/sessions/{session_id}?fait={done}", status_code=303)


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


def _last_sheet_day(found: dict[str, Any]) -> date:
    """The last day a sheet can be taken for: today, or the session's last day if it is over."""
    return min(_today(), date.fromisoformat(found["ends_on"]))


def _sheet_day(found: dict[str, Any], jour: str) -> date:
    """The day asked for, else the last weekday gone by within the session's dates (a Sunday's sheet is
    seldom the one wanted: Friday's is shown), never before its first day."""
    asked = typed_day(jour)
    if asked is not None:
        return asked
    start, day = date.fromisoformat(found["starts_on"]), _last_sheet_day(found)
    while day.weekday() >= 5 and day - timedelta(days=1) >= start:
        day -= timedelta(days=1)
    return max(day, start)


def _weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


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
    started = date.fromisoformat(found["starts_on"]) <= _today()
    return render(
        request,
        "training/session.html",
        session,
        status_code,
        found=found,
        started=started,
        last_day=_last_sheet_day(found),
        weekday=_weekday(day),
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
        # An explicit choice: nothing is preselected, so no certification is recorded by default.
        path, body = "complete", {"certified": {"oui": True, "non": False}.get(certified)}
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
        field = problem.field_errors()
        errors = {str(enrolment_id): field.get("reason_code") or field.get("certified") or problem.message}
        return _session_page(request, session, found, enrolments, status_code=422, errors=errors)
    done = "terminee" if action == "terminer" else "abandon"
    return _back(session_id, starts_on, "inscrits", fait=done)


# The counsellor's words for where the enrolment their referral asked for stands.
REFERRAL_ENROLMENT_STATES = Translated(
    {
        "confirmed": N_("Inscrit·e"),
        "completed": N_("Formation terminée"),
        "abandoned": N_("Abandon"),
        "cancelled": N_("Inscription annulée"),
    }
)


async def referral_training(
    request: Request, session: Session, referral: dict[str, Any]
) -> dict[str, Any] | None:
    """What the referral page shows of a referral to a training session: the session, where the enrolment
    stands and the attendance so far (None for a referral naming no session). The training service down
    or refusing the session leaves the referral page whole, saying which in place of the session."""
    session_id = referral.get("training_session_id")
    if not session_id:
        return None
    try:
        async with open_training_api(request, session.token) as training:
            enrolment = await training.referral_enrolment(str(referral["id"]))
            found = enrolment["session"] if enrolment else await training.session(str(session_id))
    except ApiProblem as problem:  # down (503), or the session refused to this user (403, 404)
        return {"unavailable": problem.status >= 500, "refused": problem.status < 500}
    return {
        "session": found,
        "name": found.get("title") or KINDS.get(found.get("kind") or "other", ""),
        "state": STATES.get(found["state"], found["state"]),
        "status": _enrolment_status(enrolment, found),
        "attendance": _attendance(enrolment),
    }


def _enrolment_status(enrolment: dict[str, Any] | None, found: dict[str, Any]) -> str:
    if enrolment is None:
        return _("En attente de réponse de l'organisme")
    status, reason = enrolment["status"], enrolment.get("reason_code")
    if status == "waitlisted":
        return _("Sur liste d'attente, rang %(rank)s") % {"rank": enrolment["waitlist_rank"]}
    label = REFERRAL_ENROLMENT_STATES.get(status, status)
    if status == "completed" and enrolment.get("outcome"):
        return f"{label} ({OUTCOMES.get(enrolment['outcome'], enrolment['outcome'])})"
    if status == "abandoned" and reason:
        return f"{label} ({ABANDON_REASONS.get(reason, reason)})"
    if status == "cancelled":
        # A cancellation by the provider or of the whole session writes no reason on the enrolment.
        cause = CANCEL_CAUSES.get(reason, "") if reason else ""
        if not cause:
            cause = _("session annulée") if found["state"] == "cancelled" else _("par l'organisme")
        return f"{label} ({cause})"
    return label


def _attendance(enrolment: dict[str, Any] | None) -> str:
    if enrolment is None or enrolment["status"] in ("waitlisted", "cancelled"):
        return ""
    days = int(enrolment["days_present"]) + int(enrolment["days_absent"])
    if not days:
        return _("Aucune journée émargée pour l'instant.")
    return ngettext(
        "Présent·e %(present)s fois sur %(num)d journée émargée",
        "Présent·e %(present)s fois sur %(num)d journées émargées",
        days,
    ) % {"present": enrolment["days_present"], "num": days}
