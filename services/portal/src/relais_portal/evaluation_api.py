"""The evaluation API as the portal calls it: the signed-in user's token forwarded, so that the API decides
who reads which figures (the pact coordination every organisation's, another organisation its own rows)
and who sees which campaign (its organisation's coordinators, its invited evaluators).

Refusals come back as ``ApiProblem``; an API that cannot be reached as ``EvaluationUnavailable`` (a 503
page naming this service). Files (CSV exports, the campaign report) come back as they are sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import Depends, Request

from relais_portal.clauses_api import ClausesApi
from relais_portal.i18n import N_
from relais_portal.referral_api import ServiceUnavailable
from relais_portal.web.deps import CurrentSession, settings_of


class EvaluationUnavailable(ServiceUnavailable):
    """The evaluation API did not answer, or answered with a server error."""

    page_message = N_(
        "Le service d'évaluation ne répond pas pour le moment. "
        "Rien n'a été perdu : réessayez dans quelques minutes."
    )


class EvaluationApi(ClausesApi):
    """The clauses client's calls (JSON, a file received), failing with this service's own message."""

    unavailable = EvaluationUnavailable


async def evaluation_api_of(request: Request, session: CurrentSession) -> AsyncIterator[EvaluationApi]:
    settings = settings_of(request)
    # Indicators over a large store take seconds (docs/performance.md): a longer wait than other pages.
    timeout = max(settings.api_timeout_s, 30.0)
    async with httpx.AsyncClient(base_url=settings.evaluation_url, timeout=timeout) as client:
        yield EvaluationApi(client, session.token)


Evaluation = Annotated[EvaluationApi, Depends(evaluation_api_of)]
