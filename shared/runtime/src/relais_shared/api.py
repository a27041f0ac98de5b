"""The FastAPI application factory every service uses: problems, auth, health, readiness, tracing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from relais_shared.auth import make_verifier
from relais_shared.problems import ErrorAnswer, document_problems, install_problem_handlers
from relais_shared.settings import RelaisSettings

ReadinessCheck = Callable[[], Awaitable[None]]


class Health(BaseModel):
    status: str
    service: str
    checks: dict[str, str] = {}


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str,
    settings: RelaisSettings,
    routers: Sequence[APIRouter] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    on_shutdown: Callable[[FastAPI], Awaitable[None]] | None = None,
    tracer_provider: TracerProvider | None = None,
    unhandled: ErrorAnswer | None = None,
) -> FastAPI:
    """``unhandled`` answers the errors nothing handled (an app of pages shows a page); problem+json
    otherwise."""
    checks = readiness or {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_startup:
            await on_startup(app)
        yield
        if on_shutdown:
            await on_shutdown(app)

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.token_verifier = make_verifier(settings)
    app.state.outages = install_problem_handlers(app, unhandled)

    @app.get("/health", tags=["exploitation"], summary="Vivacité du processus")
    async def health() -> Health:
        return Health(status="ok", service=service)

    @app.get(
        "/ready",
        tags=["exploitation"],
        summary="Prêt à servir (dépendances joignables)",
        responses={503: {"description": "Une dépendance ne répond pas"}},
    )
    async def ready(response: Response) -> Health:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in results.values())
        if not ok:
            response.status_code = 503
        return Health(status="ok" if ok else "unavailable", service=service, checks=results)

    for router in routers:
        app.include_router(router)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        generated = app.openapi_schema is not None
        schema = generate_openapi()  # made once, then cached by FastAPI
        return schema if generated else document_problems(schema)

    # FastAPI's documented way to extend the document it generates.
    app.openapi = openapi  # type: ignore[method-assign]
    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, excluded_urls="health,ready")
    return app


def openapi_document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def create_database_service_app(
    *,
    title: str,
    description: str,
    settings: RelaisSettings,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
    pool_size: int = 10,
) -> FastAPI:
    """The app of a service that owns a database: every service's API is made here.

    Readiness checks the database (and a database that is down makes requests answer 503, see
    ``relais_shared.problems``), shutdown releases its pool, requests and SQL statements are traced
    under ``<service>-api``; ``app.state.sessions`` opens sessions for the routers' units of work.
    """
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from sqlalchemy import event

    from relais_shared.db import database_readiness, make_engine, make_sessionmaker
    from relais_shared.telemetry import setup_telemetry

    provider = setup_telemetry(settings.service_name, "api", trace_file=settings.trace_file)
    engine = make_engine(settings.database_url, pool_size=pool_size)
    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:  # one app per process; the contract check makes all
        instrumentor.instrument(engine=engine.sync_engine, tracer_provider=provider)

    async def shutdown(_: FastAPI) -> None:
        await engine.dispose()

    app = create_service_app(
        service=settings.service_name,
        title=title,
        description=description,
        version=version,
        settings=settings,
        routers=routers,
        readiness={"database": database_readiness(engine)},
        on_shutdown=shutdown,
        tracer_provider=provider,
    )
    # A new connection succeeding ends an outage (its end is logged once, as its start was).
    event.listen(engine.sync_engine, "connect", lambda *_: app.state.outages.ended())
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    return app
