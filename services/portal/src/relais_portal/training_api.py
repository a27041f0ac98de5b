"""The training API as the portal calls it: the signed-in user's token forwarded, answers as dicts.

Same failures as the referral API (``ApiProblem``, shown next to the field), except that the training
service being down is said as such (a 503 problem naming it), not as the referral service being down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem, ReferralApi, ServiceUnavailable
from relais_portal.web.deps import CurrentSession, settings_of

PAGE = 200  # the API's largest page


class TrainingApi:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._api = ReferralApi(client, token)

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call(self._api.get(path, **params))

    async def post(self, path: str, body: Any = None) -> Any:
        return await self._call(self._api.post(path, body))

    @staticmethod
    async def _call(request: Any) -> Any:
        try:
            return await request
        except ServiceUnavailable as exc:
            raise ApiProblem(
                503,
                {
                    "title": _(
                        "Le service des formations ne répond pas pour le moment. "
                        "Rien n'a été enregistré : réessayez dans quelques minutes."
                    )
                },
            ) from exc

    async def sessions(self, **filters: Any) -> list[dict[str, Any]]:
        """Every session the search finds (page after page: the API answers 200 at most at a time)."""
        found: list[dict[str, Any]] = []
        while True:
            page = await self.get("/v1/sessions", **filters, limit=PAGE, offset=len(found))
            found += page
            if len(page) < PAGE or len(found) >= 20 * PAGE:
                return found

    async def page(self, number: int, size: int, **filters: Any) -> tuple[list[dict[str, Any]], bool]:
        """Page ``number`` (from 1) of the search, and whether another follows (one more row is asked)."""
        rows = list(await self.get("/v1/sessions", **filters, limit=size + 1, offset=(number - 1) * size))
        return rows[:size], len(rows) > size

    async def offers(self, provider_org_id: str) -> list[dict[str, Any]]:
        return list(await self.get("/v1/offers", provider_org_id=provider_org_id))

    async def session(self, session_id: str) -> dict[str, Any]:
        return dict(await self.get(f"/v1/sessions/{session_id}"))

    async def referral_enrolment(self, referral_id: str) -> dict[str, Any] | None:
        """Where the enrolment a referral asked for stands (its session inside); None while no enrolment
        answers it (the provider has not taken the request yet) or for an organisation not allowed."""
        try:
            return dict(await self.get(f"/v1/referrals/{referral_id}/enrolment"))
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise

    async def attendance(self, session_id: str, day: str) -> dict[str, bool]:
        """Who was ticked present (True) or absent (False) on ``day``; nobody before the sheet is saved."""
        return dict((await self.get(f"/v1/sessions/{session_id}/attendance", day=day))["present"])


@asynccontextmanager
async def open_training_api(request: Request, token: str) -> AsyncIterator[TrainingApi]:
    """The training API for one request (also outside the training pages: the referral page)."""
    settings = settings_of(request)
    async with httpx.AsyncClient(base_url=settings.training_url, timeout=settings.api_timeout_s) as client:
        yield TrainingApi(client, token)


async def training_api_of(request: Request, session: CurrentSession) -> AsyncIterator[TrainingApi]:
    async with open_training_api(request, session.token) as api:
        yield api


Training = Annotated[TrainingApi, Depends(training_api_of)]
