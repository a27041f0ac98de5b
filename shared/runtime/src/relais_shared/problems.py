"""RFC 9457 problem+json answers with stable types and French/English titles.

Every error an API gives is one of these, including what no handler caught: :class:`UnhandledErrors`
answers a dependency that is down with a 503 (``Retry-After``, logged once per outage), a value the
database cannot store with a 422, anything else with a 500 logged by its type and place, never by its
message (a failed statement's message carries the values it was given: names, birth dates).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relais_shared.errors import Conflict, NotAllowed, NotFound
from relais_shared.telemetry import get_logger

log = get_logger(__name__)

PROBLEM_BASE = "https://relais.example.org/problems/"
MEDIA_TYPE = "application/problem+json"

# Stable problem types: (status, French title, English title)
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "bad-request": (400, "Requête illisible", "Malformed request"),
    "unauthenticated": (401, "Authentification requise", "Authentication required"),
    "forbidden": (403, "Action non autorisée pour votre rôle", "Action not allowed for your role"),
    "not-found": (404, "Ressource introuvable", "Resource not found"),
    "method-not-allowed": (405, "Méthode non permise", "Method not allowed"),
    "validation-error": (422, "Données invalides", "Invalid data"),
    "conflict": (409, "Conflit avec l'état actuel", "Conflict with the current state"),
    "idempotency-key-reused": (
        422,
        "Clé d'idempotence déjà utilisée pour une autre requête",
        "Idempotency key already used for a different request",
    ),
    "gone": (410, "Données effacées (droit à l'effacement)", "Data erased (right to erasure)"),
    "invalid-transition": (409, "Transition d'état interdite", "State transition not allowed"),
    "internal-error": (500, "Erreur interne", "Internal error"),
    "service-unavailable": (
        503,
        "Service momentanément indisponible, réessayez dans quelques secondes",
        "Service temporarily unavailable, retry in a few seconds",
    ),
}

# Seconds a client should wait before retrying while a dependency is down (the database restarting
# takes a few seconds).
RETRY_AFTER_S = 5
# Failures further apart than this, with no reconnection seen between them, are two outages.
OUTAGE_GAP_S = 60.0


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


def problem_response(
    problem: Problem, instance: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    headers = dict(headers or {})
    if problem.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    elif problem.status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_S)
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=MEDIA_TYPE, headers=headers
    )


_STATUS_KIND = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation-error",
}


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, raw (asyncpg) or wrapped by SQLAlchemy."""
    for candidate in (exc, getattr(exc, "orig", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def is_dependency_unavailable(exc: BaseException) -> bool:
    """A dependency is away (the database down, restarting, unreachable, saturated; its pool exhausted):
    nothing wrong with the request, which may succeed in a few seconds."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from relais_shared.faults import is_transient

    return isinstance(exc, PoolTimeout) or is_transient(exc)


def is_unstorable_value(exc: BaseException) -> bool:
    """A value the database refuses to store or compare: PostgreSQL's class 22 "data exception" (a NUL
    character, an integer beyond 64 bits, a string too long...) or text Python cannot encode (a lone
    surrogate). The request is at fault, not the server: a 422."""
    code = _sqlstate(exc)
    return (code is not None and code.startswith("22")) or isinstance(exc, UnicodeError)


class Outages:
    """Logs a dependency's outage once, with its cause, however many requests it fails meanwhile.

    The outage ends when a new database connection succeeds (:meth:`ended`, called by the engine's
    ``connect`` event) and is logged then with how many requests it answered 503; a service without a
    database counts failures more than ``OUTAGE_GAP_S`` apart as separate outages.
    """

    def __init__(self) -> None:
        self.since: float | None = None
        self.last_failure = float("-inf")
        self.failed_requests = 0

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.since is None or now - self.last_failure > OUTAGE_GAP_S:
            log.error(
                "a dependency is unavailable: answering 503 until it is back",
                cause=type(exc).__name__,
                sqlstate=_sqlstate(exc),
                errno=getattr(exc, "errno", None),
            )
            self.since, self.failed_requests = now, 0
        self.last_failure = now
        self.failed_requests += 1

    def ended(self) -> None:
        if self.since is None:
            return
        log.warning(
            "a dependency is available again",
            down_s=round(time.monotonic() - self.since, 1),
            answered_503=self.failed_requests,
        )
        self.since, self.failed_requests = None, 0


def where(exc: BaseException) -> str:
    """Where an exception happened (innermost frames first), without its message."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))


# How an app answers an error nothing handled: the APIs with problem+json, the portal with a page.
ErrorAnswer = Callable[[Problem, Scope], Response]


class UnhandledErrors:
    """Answers what no exception handler did, as problem+json, and keeps the connection usable.

    Sits inside Starlette's last-resort ``ServerErrorMiddleware``, which would answer 500 and then
    re-raise: uvicorn then logs the traceback (a failed statement's message names its values) and, as
    the answer has started, closes the kept-alive connection, so the client's next request fails.
    Here the error is answered and the exception goes no further.
    """

    def __init__(self, app: ASGIApp, outages: Outages, answer: ErrorAnswer | None = None) -> None:
        self.app = app
        self.outages = outages
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:  # part of the answer is out: nothing valid can follow it
                raise
            problem = self.problem_for(exc, scope)
            await self.answered(problem, scope)(scope, receive, send)

    def answered(self, problem: Problem, scope: Scope) -> Response:
        """The service's own answer (a page, for the portal), or problem+json when it has none or when
        drawing it fails in turn (a template's error would otherwise reach uvicorn's traceback)."""
        if self.answer is not None:
            try:
                return self.answer(problem, scope)
            except Exception as exc:
                log.error(
                    "error answer failed: problem+json instead", error=type(exc).__name__, at=where(exc)
                )
        return problem_response(problem, scope.get("path"))

    def problem_for(self, exc: Exception, scope: Scope) -> Problem:
        if is_dependency_unavailable(exc):
            self.outages.failed(exc)
            return Problem("service-unavailable", "La base de données ne répond pas pour le moment.")
        route = getattr(scope.get("route"), "path", None)
        if is_unstorable_value(exc):
            # Logged (without the value) in case a statement of ours, not the input, is at fault.
            log.info("value refused by the database", sqlstate=_sqlstate(exc), route=route)
            return Problem("validation-error", "Une valeur ne peut pas être enregistrée (caractère, nombre).")
        log.error(
            "unexpected error answered 500",
            error=type(exc).__name__,
            cause=type(exc.__cause__).__name__ if exc.__cause__ else None,
            at=where(exc),
            route=route,
            method=scope.get("method"),
        )
        return Problem("internal-error", "Réessayez ; si cela persiste, contactez le support.")


# ``NotFound`` names what was looked for by a code ("referral"); the answer names it in French.
RESOURCES = {
    "referral": "Orientation",
    "jobseeker": "Personne",
    "organisation": "Structure",
    "task": "Tâche",
    "inbox": "Boîte de réception",
    "need": "Besoin",
    "service": "Service",
    "contract": "Marché",
    "operation": "Opération",
    "offer": "Offre de formation",
    "session": "Session de formation",
    "enrolment": "Inscription",
    "campaign": "Campagne",
}


def _what(resource: str) -> str:
    return RESOURCES.get(resource, resource) or "Ressource"


def install_problem_handlers(app: FastAPI, unhandled: ErrorAnswer | None = None) -> Outages:
    """Registers the problem+json answers of every error (``unhandled``, if given, answers the errors
    nothing handled instead); returns the app's outage log, whose :meth:`Outages.ended` the app calls
    when its database is reachable again."""
    outages = Outages()
    app.add_middleware(UnhandledErrors, outages=outages, answer=unhandled)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(
            Problem("not-found", f"{_what(str(exc))} introuvable ou hors de votre périmètre."),
            request.url.path,
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

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _STATUS_KIND.get(exc.status_code)
        if kind is None:
            body = {"type": "about:blank", "title": str(exc.detail), "status": exc.status_code}
            return JSONResponse(body, status_code=exc.status_code, media_type=MEDIA_TYPE, headers=exc.headers)
        detail = str(exc.detail)
        if kind == "bad-request":  # FastAPI's "There was an error parsing the body" (not UTF-8...)
            detail = "Le corps de la requête est illisible (JSON en UTF-8 attendu)."
        # Its headers stay (a 405's Allow lists the methods the path has).
        return problem_response(Problem(kind, detail), request.url.path, exc.headers)

    return outages


# What the OpenAPI document says an error answer holds.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem+json",
    "required": ["type", "title", "title_en", "status"],
    "properties": {
        "type": {"type": "string", "description": "Type stable (URI)"},
        "title": {"type": "string", "description": "Titre en français"},
        "title_en": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Erreurs champ par champ",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}


def problem_doc(description: str, **extra: Any) -> dict[str, Any]:
    """One documented error answer of an operation, with its problem+json body."""
    return {"description": description, "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}, **extra}


_UNAVAILABLE_DOC = problem_doc(
    "Une dépendance (base de données) ne répond pas ; réessayer après Retry-After (problem+json)",
    headers={"Retry-After": {"description": "Secondes avant de réessayer", "schema": {"type": "integer"}}},
)

# The answers every authenticated operation can give; routers declare them with ``responses=``.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_doc("Jeton absent ou invalide (problem+json)"),
    403: problem_doc("Action non permise à votre rôle (problem+json)"),
    404: problem_doc("Introuvable, ou hors du périmètre de votre organisation (problem+json)"),
    422: problem_doc("Données invalides, champ par champ dans `errors` (problem+json)"),
    503: _UNAVAILABLE_DOC,
}
_BODY_DOC = problem_doc("Corps illisible : pas du JSON en UTF-8 (problem+json)")
_WRITE_DOC = problem_doc("Conflit avec l'état actuel : doublon, transition interdite (problem+json)")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Adds to each operation of an OpenAPI document that declares the common problems (401...) the ones
    its shape allows: 400 when it reads a body (not JSON, not UTF-8), 409 when it writes (a duplicate,
    a forbidden transition). Changes ``openapi`` in place and returns it."""
    for path_item in openapi.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.get("responses", {})
            if "401" not in responses:
                continue
            extra: dict[str, dict[str, Any]] = {}
            if "requestBody" in operation:
                extra["400"] = _BODY_DOC
            if method.upper() in _WRITES:
                extra["409"] = _WRITE_DOC
            operation["responses"] = dict(sorted({**extra, **responses}.items()))
    return openapi
