"""The referral API as the portal calls it: the signed-in user's token forwarded, answers as dicts.

Two failures matter to a page: the API said no (``ApiProblem``: a problem+json document, shown in French
next to the field concerned) and the API could not be reached or failed (``ServiceUnavailable``: a banner
and a 503 page, never a stack trace).
"""

from __future__ import annotations

from typing import Any

import httpx

from relais_portal.i18n import N_, Translated, current, gettext

# Pydantic's error codes (the API's `errors[].code`) in words a counsellor reads.
FIELD_MESSAGES = Translated(
    {
        "missing": N_("Ce champ est obligatoire."),
        "string_too_short": N_("Ce champ est trop court."),
        "string_too_long": N_("Ce champ est trop long."),
        "string_pattern_mismatch": N_("Le format n'est pas valide."),
        "value_error": N_("La valeur n'est pas valide."),
        "date_from_datetime_parsing": N_("La date n'est pas valide."),
        "date_parsing": N_("La date n'est pas valide (jj/mm/aaaa)."),
        "datetime_parsing": N_("La date et l'heure ne sont pas valides."),
        "datetime_from_date_parsing": N_("La date et l'heure ne sont pas valides."),
        "uuid_parsing": N_("Choisissez une valeur dans la liste."),
        "enum": N_("Choisissez une valeur dans la liste."),
        "literal_error": N_("Choisissez une valeur dans la liste."),
        "greater_than_equal": N_("Le nombre est trop petit."),
        "less_than_equal": N_("Le nombre est trop grand."),
        "int_parsing": N_("Saisissez un nombre entier."),
        "too_short": N_("Choisissez au moins une valeur."),
    }
)

# Reasons the API gives in French (a validator's message, a refusal's detail) that the pages show as
# they are: their French is the msgid, so the English catalogue carries them too.
API_REASONS = (
    N_("Rendez-vous dans les deux ans à venir."),
    N_("Date de naissance entre 1900 et aujourd'hui."),
    N_("Seule la structure référente enregistre une sortie."),
    N_("Seule la structure référente déclare un événement de parcours."),
    N_("Seule la structure référente enregistre le suivi après la sortie."),
    N_(
        "Les délais se suivent : la relance au plus tard à l'accusé de réception, l'accusé de "
        "réception au plus tard à l'alerte à la coordination, cette alerte au plus tard à "
        "l'expiration ; chacun d'au moins 1 jour."
    ),
    N_("L'alerte au responsable ne peut pas venir avant la relance."),
    N_("La requête contient des champs invalides."),  # any service's answer to a form's bad fields
    N_("Les absences admises, la réorientation et le délai sans référent valent au moins 1."),
)


class ServiceUnavailable(Exception):
    """The API did not answer, or answered with a server error."""

    # What the 503 page says (translated when shown): each service's client names its own.
    page_message = N_(
        "Le service des orientations ne répond pas pour le moment. "
        "Vos données ne sont pas perdues : réessayez dans quelques minutes."
    )


class ApiProblem(Exception):
    """A 4xx problem+json answer."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("title") or f"HTTP {status}")
        self.status = status
        self.body = body

    @property
    def message(self) -> str:
        detail = self.body.get("detail")
        title = self.body.get("title")
        if isinstance(title, dict):  # {"fr": …, "en": …}
            title = title.get(current()) or title.get("fr")
        return gettext(str(detail)) if detail else str(title or gettext("La demande a été refusée."))

    def field_errors(self) -> dict[str, str]:
        """Field name (last part of its path) → message in the user's language: the API's own reason
        when it gives one (a rule of the API, « rendez-vous dans les deux ans à venir »), else the words
        of its error code."""
        errors: dict[str, str] = {}
        for error in self.body.get("errors") or []:
            field = str(error.get("field", "")).split(".")[-1]
            message = api_reason(error) or FIELD_MESSAGES.get(
                str(error.get("code")), str(error.get("message"))
            )
            errors.setdefault(field, message)
        return errors


# Pydantic prefixes the message of a validator's ValueError with this; what follows is the API's reason.
_REASON_PREFIX = "Value error, "


def api_reason(error: dict[str, Any]) -> str | None:
    """The reason an API validator wrote (French, often « français / English »), as a sentence in the
    user's language; None for Pydantic's own messages (English, generic: the portal words them)."""
    message = str(error.get("message") or "")
    if error.get("code") != "value_error" or not message.startswith(_REASON_PREFIX):
        return None
    french, _, english = message.removeprefix(_REASON_PREFIX).partition(" / ")
    french = _sentence(french)
    translated = gettext(french)
    if current() != "fr" and translated == french and english:
        return _sentence(english)
    return translated


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


class ReferralApi:
    unavailable: type[ServiceUnavailable] = ServiceUnavailable

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return await self._send("GET", path, params=query)

    async def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return await self._send("POST", path, json=body, headers=headers)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self._send("PUT", path, json=body)

    async def raw(self, method: str, path: str, **params: Any) -> httpx.Response:
        """The API's answer as it is (a file to hand over), errors raised as for any call."""
        return await self._request(method, path, params={k: v for k, v in params.items() if v is not None})

    async def patch(self, path: str, body: Any = None) -> Any:
        return await self._send("PATCH", path, json=body)

    async def _send(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        response = await self._request(method, path, headers, **kw)
        return response.json() if response.content else None

    async def _request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, path, headers={**self._headers, **(headers or {})}, **kw
            )
        except httpx.HTTPError as exc:
            raise self.unavailable(str(type(exc).__name__)) from exc
        if response.status_code >= 500:
            raise self.unavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise ApiProblem(response.status_code, body if isinstance(body, dict) else {})
        return response
