"""RFC 9457 problem+json answers with stable types and French/English titles."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from relais_shared.errors import Conflict, NotAllowed, NotFound

PROBLEM_BASE = "https://relais.example.org/problems/"
MEDIA_TYPE = "application/problem+json"

# Stable problem types: (status, French title, English title)
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "unauthenticated": (401, "Authentification requise", "Authentication required"),
    "forbidden": (403, "Action non autorisée pour votre rôle", "Action not allowed for your role"),
    "not-found": (404, "Ressource introuvable", "Resource not found"),
    "validation-error": (422, "Données invalides", "Invalid data"),
    "conflict": (409, "Conflit avec l'état actuel", "Conflict with the current state"),
    "idempotency-key-reused": (
        422,
        "Clé d'idempotence déjà utilisée pour une autre requête",
        "Idempotency key already used for a different request",
    ),
    "invalid-transition": (409, "Transition d'état interdite", "State transition not allowed"),
    "internal-error": (500, "Erreur interne", "Internal error"),
}


class Problem(Exception):
    def __init__(
        self, kind: str, detail: str | None = None, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.errors = errors or []

    @property
    def status(self) -> int:
        return PROBLEMS[self.kind][0]

    def body(self, instance: str | None = None) -> dict[str, Any]:
        status, title_fr, title_en = PROBLEMS[self.kind]
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": title_fr,
            "title_en": title_en,
            "status": status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=MEDIA_TYPE, headers=headers
    )


_STATUS_KIND = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    422: "validation-error",
}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(
            Problem("not-found", f"{exc} introuvable ou hors de votre périmètre."), request.url.path
        )

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> JSONResponse:
        return problem_response(Problem("forbidden", str(exc)), request.url.path)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem_response(Problem("conflict", str(exc)), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p != "body"),
                "message": err["msg"],
                "code": err["type"],
            }
            for err in exc.errors()
        ]
        return problem_response(
            Problem("validation-error", "La requête contient des champs invalides.", errors), request.url.path
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A duplicate id, or a reference to something that does not exist: the request wrote nothing.
        return problem_response(
            Problem("conflict", "Doublon, ou référence à une ressource inconnue."), request.url.path
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return problem_response(
            Problem("validation-error", "Une valeur dépasse ce qui est permis."), request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace or a database message to the caller; the trace id is in the logs.
        return problem_response(
            Problem("internal-error", "Réessayez ; si cela persiste, contactez le support."), request.url.path
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _STATUS_KIND.get(exc.status_code)
        if kind is None:
            body = {"type": "about:blank", "title": str(exc.detail), "status": exc.status_code}
            return JSONResponse(body, status_code=exc.status_code, media_type=MEDIA_TYPE)
        return problem_response(Problem(kind, str(exc.detail)), request.url.path)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton absent ou invalide (problem+json)"},
    404: {"description": "Introuvable, ou hors du périmètre de votre organisation (problem+json)"},
    422: {"description": "Données invalides (problem+json)"},
}
