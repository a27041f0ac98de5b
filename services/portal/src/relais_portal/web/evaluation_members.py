"""The invitation form of a campaign offers the chosen organisation's members (from the referral
directory) instead of a typed sign-in identifier.

The referral API lists an organisation's members (sub, name, roles; never the address) to that
organisation's admins and to the pact coordination: a coordinator it refuses, or an organisation without
declared members, keeps the text field for the identifier, so nobody is stuck. Loaded by htmx when the
organisation is chosen; without JavaScript the text field stays.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from relais_portal.referral_api import ApiProblem, ReferralApi, ServiceUnavailable
from relais_portal.web.deps import Api, CurrentSession, render

router = APIRouter(prefix="/evaluation", tags=["évaluation"])


async def members_of(api: ReferralApi, org_id: str) -> list[dict[str, str]]:
    """The organisation's members the caller may see; none when the directory refuses, has none or does
    not answer (the identifier can still be typed: the invitation itself goes to the evaluation API)."""
    try:
        uuid.UUID(org_id)
        members: list[dict[str, str]] = await api.get(f"/v1/organisations/{org_id}/members")
    except (ValueError, ApiProblem, ServiceUnavailable):
        return []
    return members


@router.get(
    "/campagnes/{campaign_id}/membres",
    response_class=HTMLResponse,
    summary="Le champ « personne invitée » pour l'organisation choisie (fragment)",
)
async def member_field(
    request: Request,
    campaign_id: uuid.UUID,
    session: CurrentSession,
    api: Api,
    org_id: str = "",
    compte: str = "",
) -> Response:
    if session.role != "coordinator":
        return HTMLResponse("", status_code=403)
    members = await members_of(api, org_id) if org_id else []
    return render(
        request,
        "evaluation/member_field.html",
        session,
        members=members,
        values={"compte": compte},
        errors={},
        campaign_id=campaign_id,
    )
