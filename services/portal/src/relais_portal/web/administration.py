"""An organisation's administration: its declared capacity, its members and their roles, and — for the
pact — the referral deadline policies with their versions. The API decides who may change what."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem
from relais_portal.session import Session
from relais_portal.web.deps import Api, CsrfSession, CurrentSession, DirectoryDep, render
from relais_portal.web.labels import ORG_KINDS, ROLES

router = APIRouter(prefix="/administration", tags=["administration"])
POLICY_FIELDS = (
    "acknowledgement_days",
    "reminder_days",
    "manager_escalation_days",
    "coordination_escalation_days",
    "expiry_days",
    "decision_days",
    "reorient_days",
    "appointment_outcome_days",
    "max_no_shows",
    "unaccompanied_days",
)


async def _page(
    request: Request,
    session: Session,
    api: Api,
    directory: DirectoryDep,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    organisation = await directory.organisation(session.org_id)
    # The API decides; the page offers a form only to whom the API would let use it (the referral
    # service's rules: capacity by the organisation's counsellors or an admin, members by the pact
    # coordination's admins, deadlines by them or the coordination's coordinators).
    of_the_pact = session.org_kind == "pact_coordination"
    may = {
        "capacity": session.role in ("counsellor", "admin"),
        "members": of_the_pact and session.role == "admin",
        "policies": of_the_pact and session.role in ("admin", "coordinator"),
    }
    policies = await api.get("/v1/referral-policies")
    # The pact's administrators declare the members of every organisation of the pact: the chosen one's
    # members are listed (never their addresses).
    organisations: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    member_org = str(
        extra.get("values", {}).get("member_org") or request.query_params.get("structure") or session.org_id
    )
    if may["members"]:
        organisations = (await directory.search(limit=200))["items"]
        if member_org not in {org["id"] for org in organisations}:
            # Beyond the list's first 200 (by name), or not an organisation of the directory at all.
            chosen = await directory.organisation(member_org) if _uuid(member_org) else {}
            if chosen.get("kind"):
                organisations.append(chosen)
            else:
                member_org = session.org_id
        members = await api.get(f"/v1/organisations/{member_org}/members")
    return render(
        request,
        "administration.html",
        session,
        status_code,
        organisation=organisation,
        **policy_versions(policies),
        policy_fields=POLICY_FIELDS,
        roles=ROLES,
        may=may,
        organisations=organisations,
        members=members,
        member_org=member_org,
        done=request.query_params.get("fait", ""),
        **{"errors": {}, "values": {}, **extra},
    )


def policy_versions(policies: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The version in force for each kind of receiving organisation (the default first), and the earlier
    ones, newest first: what applies today reads at a glance, the history stays one click away."""
    ordered = sorted(policies, key=lambda p: (p["org_kind"] != "*", p["org_kind"], -p["version"]))
    kinds: set[str] = set()
    in_force: list[dict[str, Any]] = []
    earlier: list[dict[str, Any]] = []
    for policy in ordered:
        (earlier if policy["org_kind"] in kinds else in_force).append(policy)
        kinds.add(policy["org_kind"])
    return {"policies": in_force, "earlier_policies": earlier}


@router.get("", response_class=HTMLResponse, summary="Administration de l'organisation et délais du pacte")
async def administration(
    request: Request, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    return await _page(request, session, api, directory)


async def _change(
    request: Request,
    session: Session,
    api: Api,
    directory: DirectoryDep,
    method: str,
    path: str,
    body: dict[str, Any],
    done: str,
    form: str,
    kept: dict[str, Any] | None = None,
) -> Response:
    """``kept``: what the form had beside the body (the account, the kind of structure), shown again."""
    try:
        await (api.put(path, body) if method == "PUT" else api.post(path, body))
    except ApiProblem as problem:
        if problem.status == 404:
            raise
        message = (
            _("Votre rôle ou votre organisation ne permet pas ce changement : rien n'a été modifié.")
            if problem.status == 403
            else problem.message
        )
        return await _page(
            request,
            session,
            api,
            directory,
            problem.status if problem.status == 403 else 422,
            errors={form: message, **{f"{form}.{k}": v for k, v in problem.field_errors().items()}},
            values={**body, **(kept or {})},
        )
    directory.forget(session.org_id)
    return RedirectResponse(f"/administration?fait={done}", status_code=303)


@router.post("/capacite", summary="Déclarer la capacité d'accueil de l'organisation")
async def capacity(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    capacity_status: Annotated[str, Form()] = "",
) -> Response:
    return await _change(
        request,
        session,
        api,
        directory,
        "PUT",
        f"/v1/organisations/{session.org_id}/capacity",
        {"capacity_status": capacity_status or None},
        "capacite",
        "capacity",
    )


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


@router.post("/membres", summary="Déclarer un membre de l'organisation et ses rôles")
async def member(
    request: Request,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    sub: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    member_org: Annotated[str, Form()] = "",
) -> Response:
    org = _uuid(member_org) or session.org_id
    if not sub.strip():  # the account is the address of the member: nothing to send without it
        values = {
            "sub": sub,
            "display_name": display_name,
            "email": email,
            "roles": roles or [],
            "member_org": org,
        }
        return await _page(
            request,
            session,
            api,
            directory,
            422,
            errors={
                "member": _("Le membre n'a pas été enregistré."),
                "member.sub": _("Ce champ est obligatoire."),
            },
            values=values,
        )
    return await _change(
        request,
        session,
        api,
        directory,
        "PUT",
        f"/v1/organisations/{org}/members/{quote(sub.strip(), safe='')}",  # an account id is one segment
        {"display_name": display_name, "email": email or None, "roles": roles or []},
        f"membre&structure={org}",
        "member",
        kept={"sub": sub, "member_org": org},
    )


@router.post("/delais", summary="Publier une nouvelle version des délais d'orientation")
async def policy(request: Request, session: CsrfSession, api: Api, directory: DirectoryDep) -> Response:
    form = await request.form()
    kind = str(form.get("org_kind") or "*")
    if kind != "*" and kind not in ORG_KINDS:  # a forged form: never a path of the API of its own
        return await _page(
            request,
            session,
            api,
            directory,
            422,
            errors={"policy": _("Choisissez une structure dans la liste.")},
        )
    body: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        raw = str(form.get(name) or "").strip()
        body[name] = int(raw) if raw.lstrip("-").isdigit() else (raw or None)
    return await _change(
        request,
        session,
        api,
        directory,
        "POST",
        f"/v1/referral-policies/{kind}",
        body,
        "delais",
        "policy",
        kept={"org_kind": kind},  # after an error, the version must not fall back to every structure
    )
