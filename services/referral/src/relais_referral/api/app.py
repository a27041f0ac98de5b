"""The referral service's HTTP API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy import text

from relais_referral.api.routers import jobseekers, organisations, policies, referrals, worklists
from relais_referral.domain.errors import InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.service_layer.errors import NotFound
from relais_referral.settings import ReferralSettings
from relais_shared.api import create_service_app
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.problems import Problem, problem_response
from relais_shared.telemetry import setup_telemetry

DESCRIPTION = """
Orientations entre les organisations du pacte (France Travail, Mission locale, PLIE, Cap emploi…).
Seul service à détenir des données d'identité. Toutes les requêtes exigent un jeton Bearer (OIDC, RS256)
portant `org_id` et `roles` ; chaque accès à une donnée personnelle est journalisé.
Erreurs au format RFC 9457 (`application/problem+json`).
"""


def create_app(settings: ReferralSettings | None = None) -> FastAPI:
    settings = settings or ReferralSettings()
    provider = setup_telemetry("referral", "api")
    engine = make_engine(settings.database_url)
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, tracer_provider=provider)

    async def database_ready() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def shutdown(_: FastAPI) -> None:
        await engine.dispose()

    app = create_service_app(
        service="referral",
        title="Relais — service des orientations",
        description=DESCRIPTION,
        version="0.1.0",
        settings=settings,
        routers=[
            organisations.router,
            jobseekers.router,
            referrals.router,
            worklists.router,
            policies.router,
        ],
        readiness={"database": database_ready},
        on_shutdown=shutdown,
        tracer_provider=provider,
    )
    app.state.sessions = make_sessionmaker(engine)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(
            Problem("not-found", f"{exc} introuvable ou hors de votre périmètre."), request.url.path
        )

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> JSONResponse:
        return problem_response(Problem("forbidden", str(exc)), request.url.path)

    @app.exception_handler(InvalidTransition)
    async def _transition(request: Request, exc: InvalidTransition) -> JSONResponse:
        return problem_response(Problem("invalid-transition", str(exc)), request.url.path)

    @app.exception_handler(InvalidReferral)
    async def _invalid(request: Request, exc: InvalidReferral) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc)), request.url.path)

    return app
