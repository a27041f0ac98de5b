"""The counsellor's home page: what to do today ("à traiter"), refreshed by htmx without reloading."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal.referral_api import ReferralApi
from relais_portal.session import Session
from relais_portal.settings import PortalSettings
from relais_portal.web.deps import Api, CurrentSession, Directory, DirectoryDep, MaybeSession, render

router = APIRouter(tags=["accueil"])


async def _worklist(api: ReferralApi, directory: Directory, session: Session) -> dict[str, Any]:
    org = session.org_id
    incoming = await api.get(
        f"/v1/organisations/{org}/referrals", direction="incoming", sort="due", limit=100
    )
    outgoing = await api.get(
        f"/v1/organisations/{org}/referrals", direction="outgoing", sort="due", limit=100
    )
    tasks = await api.get(f"/v1/organisations/{org}/tasks", status="open", limit=100)
    names = await directory.names({row["partner_org_id"] for row in incoming["items"] + outgoing["items"]})
    # Still waiting for the receiver's decision, the welcome appointment included: the sender follows
    # it until the person is taken in charge or comes back.
    awaiting = [
        row
        for row in outgoing["items"]
        if row["status"] in ("submitted", "acknowledged", "appointment_scheduled")
    ]
    return {
        "incoming": incoming,
        "outgoing": awaiting,
        "outgoing_all": outgoing,
        "tasks": tasks,
        "names": names,
    }


async def _states(settings: PortalSettings) -> dict[str, bool]:
    """Which services of the platform answer (the welcome page lists them, with their API docs)."""
    states: dict[str, bool] = {}
    async with httpx.AsyncClient(timeout=2.0) as client:
        for service in settings.services:
            try:
                states[service.name] = (await client.get(f"{service.url}/ready")).status_code == 200
            except httpx.HTTPError:
                states[service.name] = False
    return states


@router.get("/", response_class=HTMLResponse, summary="Accueil : à traiter")
async def home(request: Request, session: MaybeSession) -> Response:
    if session is None:
        settings = request.app.state.settings
        return render(
            request, "welcome.html", None, services=settings.services, states=await _states(settings)
        )
    if session.role in ("facilitator", "buyer", "employer"):
        return RedirectResponse("/clauses", status_code=303)  # their work is the clauses, not referrals
    if session.role == "dpo":
        return RedirectResponse("/protection-des-donnees", status_code=303)  # the audit log, not people
    if session.role == "training_provider":
        return RedirectResponse("/formations", status_code=303)  # its sessions: referrals come as enrolments
    if session.role == "evaluator":
        return RedirectResponse("/evaluation/campagnes", status_code=303)  # figures and campaigns only
    if session.role == "admin":
        return RedirectResponse("/administration", status_code=303)  # no caseload: the pact's settings
    api = ReferralApi(request.app.state.http, session.token)
    context = await _worklist(api, request.app.state.directory, session)
    return render(request, "home.html", session, **context)


@router.get("/a-traiter", response_class=HTMLResponse, summary="À traiter (fragment htmx)")
async def worklist_fragment(
    request: Request, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    return render(request, "partials/worklist.html", session, **await _worklist(api, directory, session))
