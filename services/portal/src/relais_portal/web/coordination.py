"""The pact coordination's page: people left without a référent, referrals nobody answers, and
designating a référent (the only personal decision the coordination takes).

Only the pact coordination's coordinators open it: the referral API lets no one else designate a référent
or merge records, and the page would show a counsellor their own organisation's tasks under the
coordination's title. The coordination reads no identity (no name, no birth date): what it sees of a
person without a référent is their journey — which organisations followed them, and how it ended — and
their situation in categories (age band, qualification, QPV, minimum income…)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem, ReferralApi
from relais_portal.session import Session
from relais_portal.web import labels
from relais_portal.web.deps import Api, CsrfSession, CurrentSession, Directory, DirectoryDep, render
from relais_portal.web.labels import REFERENT_ENTRIES


def is_coordination(session: Session) -> bool:
    """As the API decides (``assign-referent``, ``merge``): a coordinator of the pact coordination."""
    return session.role == "coordinator" and session.org_kind == "pact_coordination"


def refused(request: Request, session: Session | None) -> Response:
    """The 403 page: the coordination's work is not shown to other organisations or roles."""
    return render(
        request,
        "error.html",
        session,
        403,
        title=_("Accès réservé à la coordination du pacte"),
        message=_(
            "Cette page sert à la coordination du pacte : désigner un référent aux personnes qui n'en ont "
            "plus, relancer les orientations sans réponse et fusionner les fiches en double."
        ),
    )


router = APIRouter(prefix="/coordination", tags=["coordination"])
# Organisations that can be a person's référent de parcours.
REFERENT_KINDS = ("france_travail", "mission_locale", "plie", "cap_emploi", "departement")


@router.get(
    "", response_class=HTMLResponse, summary="Coordination du pacte : personnes sans référent, relances"
)
async def coordination_page(
    request: Request, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    if not is_coordination(session):
        return refused(request, session)
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
    unaccompanied = [t for t in tasks if t["kind"] == "assign_referent"]
    journeys = await asyncio.gather(*(_journey(api, t["jobseeker_id"]) for t in unaccompanied))
    followed = {
        t["jobseeker_id"]: _followed_by(j, session.org_id)
        for t, j in zip(unaccompanied, journeys, strict=True)
    }
    profiles = {t["jobseeker_id"]: _profile(j) for t, j in zip(unaccompanied, journeys, strict=True)}
    others = [t for t in tasks if t["kind"] != "assign_referent"]
    parties = {t.get(key) for t in others for key in ("referral_sender_org_id", "referral_receiver_org_id")}
    names |= await directory.names(
        ({entry["org_id"] for entries in followed.values() for entry in entries} | parties)
        - set(names)
        - {None}
    )
    emails = {org["id"]: org.get("contact_email") for org in organisations}
    return render(
        request,
        "coordination.html",
        session,
        unaccompanied=unaccompanied,
        followed=followed,
        profiles=profiles,
        others=others,
        emails=emails,
        task_done=request.query_params.get("fait") == "tache",
        referents=referents,
        names=names,
        problem=problem,
        done=request.query_params.get("fait") == "referent",
        merged=_id(request.query_params.get("fusionnee", "")),
        merge_problem=merge_problem,
        merge_values=merge_values or {},
    )


async def _journey(api: ReferralApi, jobseeker_id: str) -> dict[str, Any] | None:
    try:
        journey: dict[str, Any] = await api.get(f"/v1/jobseekers/{jobseeker_id}/journey")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return None  # not projected yet: the row says nothing rather than failing the page
    return journey


def _followed_by(journey: dict[str, Any] | None, coordination_id: str) -> list[dict[str, Any]]:
    """The person's latest step with each organisation that followed or was asked to follow them, the
    most recent first (the référent who let them go, the structure that refused them…): what the
    coordination weighs to designate a référent, read from the journey (no identity data)."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in (journey or {}).get("history", []):
        org = entry.get("org_id")
        if org and org != coordination_id:
            latest[org] = entry
    ranked = sorted(latest.values(), key=lambda entry: entry["at"], reverse=True)
    return [{**entry, "referent": entry["kind"] in REFERENT_ENTRIES} for entry in ranked[:3]]


def _profile(journey: dict[str, Any] | None) -> dict[str, Any]:
    """The person's situation in words (categories only: the coordination reads no identity), and the kind
    of structure that usually accompanies such a person in the pact: a hint, the coordination decides.

    The pact's division of work: the Mission locale for the under-26s, Cap emploi for people with a
    recognised disability, the PLIE for the long-term unemployed and minimum-income recipients, France
    Travail for everyone else."""
    profile = (journey or {}).get("profile") or {}
    words = []
    if profile.get("age_band"):
        words.append(labels.AGE_BANDS.get(profile["age_band"], profile["age_band"]))
    if profile.get("education_level"):
        words.append(labels.EDUCATION_LEVELS.get(profile["education_level"], profile["education_level"]))
    for flag, situation in (
        ("qpv_resident", "qpv"),
        ("long_term_unemployed", "long_term_unemployed"),
        ("minimum_income", None),
        ("disability", "disability_recognised"),
    ):
        if profile.get(flag):
            words.append(labels.SITUATIONS[situation] if situation else _("Bénéficiaire de minima sociaux"))
    if profile.get("age_band") == "under_26":
        kind, why = "mission_locale", _("moins de 26 ans")
    elif profile.get("disability"):
        kind, why = "cap_emploi", _("handicap reconnu")
    elif profile.get("long_term_unemployed") or profile.get("minimum_income"):
        kind, why = "plie", _("chômage de longue durée ou minima sociaux")
    elif profile.get("age_band"):
        kind, why = "france_travail", _("aucun public particulier")
    else:  # nothing recorded, or no age: the Mission locale and France Travail cannot be told apart
        kind, why = None, ""
    return {"words": words, "kind": kind, "why": why}


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
    confirme: Annotated[str, Form()] = "",
) -> Response:
    if not is_coordination(session):
        return refused(request, session)
    values = {"kept_id": kept_id.strip(), "duplicate_id": duplicate_id.strip()}
    kept, duplicate = _id(values["kept_id"]), _id(values["duplicate_id"])
    if not kept or not duplicate:
        message = _("Donnez les deux numéros complets (36 caractères chacun).")
    elif kept == duplicate:
        message = _("Les deux numéros sont ceux de la même fiche : donnez celui de la fiche en double.")
    elif confirme != "oui":
        # Not undone: the two records side by side (what the coordination may read: no identity), first.
        journeys = await asyncio.gather(_journey(api, kept), _journey(api, duplicate))
        if all(journeys):
            return await _merge_confirmation(request, session, directory, kept, duplicate, journeys)
        unknown = kept if not journeys[0] else duplicate
        message = _("Aucune fiche ne porte le numéro %(number)s : vérifiez-le.") % {"number": unknown}
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


async def _merge_confirmation(
    request: Request,
    session: Session,
    directory: Directory,
    kept: str,
    duplicate: str,
    journeys: tuple[dict[str, Any] | None, ...],
) -> Response:
    records = []
    for number, journey in zip((kept, duplicate), journeys, strict=True):
        assert journey is not None
        records.append(
            {
                "id": number,
                "journey": journey,
                "profile": _profile(journey),
                "since": min((entry["at"] for entry in journey["history"]), default=None),
            }
        )
    ids = {j.get("referent_org_id") for j in journeys if j}
    ids |= {org for j in journeys if j for org in j["follow_up_org_ids"]}
    names = await directory.names({i for i in ids if i})
    return render(request, "coordination_merge.html", session, records=records, names=names)


@router.post("/referent", summary="Désigner le référent d'une personne")
async def designate_referent(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    jobseeker_id: Annotated[uuid.UUID, Form()],
    org_id: Annotated[str, Form()] = "",
) -> Response:
    if not is_coordination(session):
        return refused(request, session)
    try:
        await api.post(f"/v1/jobseekers/{jobseeker_id}/assign-referent", {"org_id": org_id or None})
    except ApiProblem as problem:
        if problem.status in (403, 404):
            raise
        return await _page(
            request, session, api, directory, problem=problem.field_errors().get("org_id") or problem.message
        )
    return RedirectResponse("/coordination?fait=referent", status_code=303)
