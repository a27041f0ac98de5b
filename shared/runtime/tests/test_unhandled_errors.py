"""An unexpected error is answered as problem+json, logged once without its message, and the kept-alive
connection stays usable; a dependency that is down is a 503 with Retry-After, logged once per outage.
Served by a real uvicorn on the loopback interface."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import structlog
import uvicorn
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError

from relais_dev.testing import free_port
from relais_shared.api import create_service_app
from relais_shared.settings import RelaisSettings

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("INSERT INTO jobseekers … ('Dupont', 'Inès', '2005-03-14')")


@router.get("/database-down")
async def database_down() -> None:
    raise OperationalError("SELECT … WHERE last_name = 'Dupont'", {}, ConnectionRefusedError(111, "refused"))


@pytest.fixture
async def server() -> AsyncIterator[int]:
    app = create_service_app(
        service="probe",
        title="probe",
        description="",
        version="0",
        settings=RelaisSettings(),
        routers=[router],
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.05)
    yield port
    server.should_exit = True
    await task


async def exchange(port: int, *paths: str) -> list[tuple[int, dict[str, str], bytes]]:
    """Several requests on ONE kept-alive connection, as a browser or a client pool sends them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for path in paths:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: relais\r\n\r\n".encode())
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                answers.append((0, {}, b""))  # the server closed the connection
                break
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            answers.append((int(status_line.split()[1]), headers, body))
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    return answers


async def test_an_unexpected_error_is_answered_and_the_connection_stays_usable(server: int) -> None:
    with structlog.testing.capture_logs() as logs:
        answers = await exchange(server, "/boom", "/health", "/boom", "/health")
    assert [status for status, _, _ in answers] == [500, 200, 500, 200]
    _, headers, body = answers[0]
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("/internal-error")
    assert headers.get("connection") != "close"
    errors = [e for e in logs if e["event"] == "unexpected error answered 500"]
    assert len(errors) == 2 and errors[0]["error"] == "RuntimeError"
    assert "Dupont" not in repr(logs) and "Dupont" not in body.decode()


async def test_a_dependency_that_is_down_is_a_503_with_retry_after_logged_once(server: int) -> None:
    with structlog.testing.capture_logs() as logs:
        answers = await exchange(server, *["/database-down"] * 5, "/health")
    assert [status for status, _, _ in answers] == [503] * 5 + [200]
    _, headers, body = answers[0]
    assert headers["retry-after"] == "5"
    assert json.loads(body)["type"].endswith("/service-unavailable")
    outage = [e for e in logs if e["event"].startswith("a dependency is unavailable")]
    assert len(outage) == 1 and outage[0]["cause"] == "OperationalError"
    assert "Dupont" not in repr(logs)
