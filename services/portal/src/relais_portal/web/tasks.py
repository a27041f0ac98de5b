"""Marking a task done by hand: a référent designated by the coordination contacting the person (the
task also ends by itself once the organisation acts on the person in Relais: docs/domain.md), an
escalation looked into. The referral API checks that the task is the
organisation's own and refuses the ones that end by themselves (designating a référent)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from relais_portal.web.deps import Api, CsrfSession

router = APIRouter(prefix="/taches", tags=["accueil"])
# The kinds a counsellor ends by hand; the others end with the action they ask for.
DONE_BY_HAND = ("first_contact", "escalation")


@router.post("/{task_id}/fait", summary="Marquer une tâche comme faite")
async def task_done(
    task_id: uuid.UUID, session: CsrfSession, api: Api, retour: Annotated[str, Form()] = ""
) -> Response:
    await api.post(f"/v1/tasks/{task_id}/complete", None)
    back = "/coordination" if retour == "/coordination" else "/"  # never an address given by the form
    return RedirectResponse(f"{back}?fait=tache", status_code=303)
