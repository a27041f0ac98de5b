"""The clauses API as the portal calls it: the signed-in user's token forwarded, so that the API decides
who sees and does what (a contractor its contracts, a buyer its operations, a facilitator its clauses).

Refusals come back as ``ApiProblem`` (problem+json, shown next to the field concerned or as an "access
impossible" page), an API that cannot be reached as ``ClausesUnavailable`` (a 503 page naming this service).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relais_portal.i18n import N_
from relais_portal.referral_api import ReferralApi, ServiceUnavailable


class ClausesUnavailable(ServiceUnavailable):
    """The clauses API did not answer, or answered with a server error."""

    page_message = N_(
        "Le service des clauses sociales ne répond pas pour le moment. "
        "Vos données ne sont pas perdues : réessayez dans quelques minutes."
    )


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str
    disposition: str


class ClausesApi(ReferralApi):
    """The same calls as the referral API's client, plus a file sent (hours) and a file received (report)."""

    unavailable = ClausesUnavailable

    async def upload(self, path: str, filename: str, content: bytes, media_type: str) -> Any:
        response = await self._request("POST", path, files={"file": (filename, content, media_type)})
        return response.json() if response.content else None

    async def download(self, path: str, **params: Any) -> Download:
        response = await self._request("GET", path, params=params)
        return Download(
            response.content,
            response.headers.get("content-type", "application/octet-stream"),
            response.headers.get("content-disposition", "attachment"),
        )
