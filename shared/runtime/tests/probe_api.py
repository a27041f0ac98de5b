"""A service API made by the kernel's factory, served by the kernel's runner (uvicorn), whose routes
fail as a real one can: ``python probe_api.py PORT`` (used by test_unhandled_errors.py)."""

from __future__ import annotations

import sys

from fastapi import APIRouter, Request

from relais_shared.api import create_service_app
from relais_shared.problems import PROBLEM_RESPONSES
from relais_shared.runners import run_api
from relais_shared.settings import RelaisSettings
from relais_shared.telemetry import configure_logging

router = APIRouter(responses=PROBLEM_RESPONSES)
IDENTITY = "Dupont-Probe"  # what must appear in no log line


@router.get("/peer")
async def peer(request: Request) -> dict[str, int]:
    """The client's port: the same port on two requests means the same connection."""
    assert request.client is not None
    return {"port": request.client.port}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError(f"Key (last_name)=({IDENTITY}) is refused")  # as a database message says it


@router.get("/database-down")
async def database_down() -> None:
    raise ConnectionRefusedError(111, f"Connect call failed while saving {IDENTITY}")


@router.post("/echo")
async def echo(body: dict[str, str]) -> dict[str, str]:
    return body


def main() -> None:
    settings = RelaisSettings(api_port=int(sys.argv[1]))
    configure_logging("probe-api")
    app = create_service_app(
        service="probe", title="probe", description="", version="0", settings=settings, routers=[router]
    )
    run_api(app, settings)


if __name__ == "__main__":
    main()
