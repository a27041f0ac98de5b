"""The clauses API as the portal calls it: the signed-in user's token forwarded, so that the API decides
who sees and does what (a contractor its contracts, a buyer its operations, a facilitator its clauses).

Refusals come back as ``ApiProblem`` (problem+json, shown next to the field concerned or as an "access
impossible" page), an API that cannot be reached as ``ClausesUnavailable`` (a 503 page naming this service).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from relais_portal.referral_api import ApiProblem, ServiceUnavailable


class ClausesUnavailable(ServiceUnavailable):
    """The clauses API did not answer, or answered with a server error."""


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str
    disposition: str


class ClausesApi:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self._send("GET", path, params=query)).json()

    async def post(self, path: str, body: Any) -> Any:
        response = await self._send("POST", path, json=body)
        return response.json() if response.content else None

    async def upload(self, path: str, filename: str, content: bytes, media_type: str) -> Any:
        response = await self._send("POST", path, files={"file": (filename, content, media_type)})
        return response.json() if response.content else None

    async def download(self, path: str, **params: Any) -> Download:
        response = await self._send("GET", path, params=params)
        return Download(
            response.content,
            response.headers.get("content-type", "application/octet-stream"),
            response.headers.get("content-disposition", "attachment"),
        )

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, path, headers=self._headers, **kw)
        except httpx.HTTPError as exc:
            raise ClausesUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise ClausesUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise ApiProblem(response.status_code, body if isinstance(body, dict) else {})
        return response
