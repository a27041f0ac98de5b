"""RFC 9457 problem+json answers with stable types and French/English titles."""

from __future__ import annotations

import time
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from relais_shared.errors import Conflict, NotAllowed, NotFound
from relais_shared.telemetry import get_logger

log = get_logger(__name__)

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
    "service-unavailable": (
        503,
        "Service momentanément indisponible, réessayez dans quelques secondes",
        "Service temporarily unavailable, retry in a few seconds",
    ),
}

# How long a client should wait before retrying while a dependency is down.
RETRY_AFTER_S = 5
# Failures further apart than this belong to different outages (each logged once).
OUTAGE_GAP_S = 30.0


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
    if problem.status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S)}
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


class Outages:
    """Logs a dependency's outage once, with its cause, however many requests it fails meanwhile."""

    def __init__(self) -> None:
        self.last_failure = float("-inf")
        self.failed_requests = 0

    def record(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self.last_failure > OUTAGE_GAP_S:
            log.error(
                "a dependency is unavailable: answering 503 until it is back",
                cause=type(exc).__name__,
                detail=_safe_cause(exc),
            )
            self.failed_requests = 0
        self.last_failure = now
        self.failed_requests += 1


def _safe_cause(exc: BaseException) -> str:
    """The cause without the statement or its parameters (a failed INSERT would carry personal data)."""
    original = getattr(exc, "orig", None) or exc.__cause__ or exc
    return type(original).__name__


class UnhandledErrors:
    """Answers what no handler did: 503 when a dependency is down, 500 otherwise, as problem+json.

    Caught here rather than by Starlette's last-resort handler, which re-raises after answering: the
    server then logs a traceback (with the failed statement's parameters) and drops the kept-alive
    connection. Here the error is answered, logged once (its type and where, never its message), and
    the connection stays usable.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.outages = Outages()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:  # the answer is on its way: nothing better to send
                raise
            if is_dependency_failure(exc):
                self.outages.record(exc)
                problem = Problem("service-unavailable", "Une dépendance (base de données) ne répond pas.")
            else:
                log.error(
                    "unexpected error answered 500",
                    error=type(exc).__name__,
                    at=_where(exc),
                    path=scope.get("path"),
                )
                problem = Problem("internal-error", "Réessayez ; si cela persiste, contactez le support.")
            await problem_response(problem, scope.get("path"))(scope, receive, send)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames[-4:]))


def is_dependency_failure(exc: BaseException) -> bool:
    """The database (or another dependency) is away: nothing wrong with the request itself."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from relais_shared.faults import is_transient

    return isinstance(exc, PoolTimeout) or is_transient(exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_middleware(UnhandledErrors)

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
    503: {"description": "Une dépendance ne répond pas ; réessayer après Retry-After (problem+json)"},
}
