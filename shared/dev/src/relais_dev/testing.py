"""Helpers for the project's own tests (never used by the product)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from relais_shared.temporal import make_worker

RETRYABLE: tuple[type[BaseException], ...] = (OSError,)


async def eventually(
    check: Callable[[], Awaitable[Any]],
    what: str,
    timeout: float = 60,  # noqa: ASYNC109 - a polling budget, not a cancellation
    retry_on: tuple[type[BaseException], ...] = (),
) -> Any:
    """Polls ``check`` until it returns something truthy; fails the test with ``what`` after ``timeout``."""
    import pytest

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
        except (*RETRYABLE, *retry_on):  # not there yet
            result = None
        if result:
            return result
        await asyncio.sleep(0.3)
    pytest.fail(f"{what}: not reached within {timeout}s")


class ServiceProcesses:
    """Every process a service's manifest declares, run against the real stack, each killable by pid.

    The API listens on a free port (``url``); spans go to ``<workdir>/spans.jsonl``; each process logs
    to ``<workdir>/<service>-<process>.log``.
    """

    def __init__(self, service: str, stack: Any, workdir: Path, env: dict[str, str] | None = None) -> None:
        from relais_shared.manifest import load_manifests

        self.manifest = load_manifests()[service]
        self.port = free_port()
        self.workdir = workdir
        self.spans = workdir / "spans.jsonl"
        self.env = {
            **os.environ,
            **stack.env(),
            "RELAIS_TRACE_FILE": str(self.spans),
            f"RELAIS_{service.upper()}_API_PORT": str(self.port),
            **(env or {}),
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, client: Any) -> bool:
        """True once the API answers ``/ready`` with 200 (not yet listening counts as not ready)."""
        import httpx

        try:
            return bool((await client.get(f"{self.url}/ready")).status_code == 200)
        except httpx.HTTPError:
            return False

    def start_all(self) -> None:
        for process in self.manifest.processes:
            self.start(process)

    def start(self, process: str, *, name: str | None = None) -> None:
        """Starts ``<service>-<process>``; ``name`` runs a second copy of one (a second relay)."""
        name = name or process
        script = Path(sys.executable).parent / f"{self.manifest.name}-{process}"
        with (self.workdir / f"{self.manifest.name}-{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(  # noqa: S603 - our own console script
                [str(script)], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful shutdown, as when a machine dies."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


# Below Linux's ephemeral range (32768-60999), where the kernel takes the source ports of outgoing
# connections: a port handed out there could be taken by a client's connection before the server that
# was given it binds (a clauses-api of the new-service test failed on "address already in use" so).
# Above the stack's own fixed ports (7233, 15432, 19092…).
_PORTS = range(20000, 32000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on, never handed out before by this process."""
    for _ in range(1000):
        port = random.choice(_PORTS)  # noqa: S311 - not a secret
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port found between 20000 and 32000")


def declared_roles(app: Any, prefix: str = "") -> dict[tuple[str, str], frozenset[str] | None]:
    """Each route of ``app`` (included routers too) under ``prefix``, with the roles its ``require_roles``
    declares (``None``: no rule, or more than one). Every service's function-level authorisation test
    holds its app to the table of its README with this."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from relais_shared.auth import RoleRequirement

    found: dict[tuple[str, str], frozenset[str] | None] = {}
    for route in iter_route_contexts(app.routes):
        if route.path is None or not route.path.startswith(prefix):
            continue
        rules = []
        if isinstance(route.original_route, APIRoute):
            rules = [d.dependency for d in route.dependencies if isinstance(d.dependency, RoleRequirement)]
        for method in (route.methods or set()) - {"HEAD"}:
            found[(method, route.path)] = rules[0].roles if len(rules) == 1 else None
    return found


# The role walk every service's function-level authorisation test makes (OWASP API5): each route of the
# README's table, called by each role Relais knows and by one it does not know.
UNKNOWN_ROLE = "superuser"


def role_walk(rules: dict[tuple[str, str], frozenset[str]]) -> Callable[[Any], Any]:
    """Parametrizes a test over ``(method, path)`` of every route of ``rules`` and over ``role``: every role
    Relais knows, and ``UNKNOWN_ROLE``."""
    import pytest

    from relais_shared.auth import ROLES

    routes = sorted(rules)
    by_role = pytest.mark.parametrize("role", [*sorted(ROLES), UNKNOWN_ROLE])
    by_route = pytest.mark.parametrize(("method", "path"), routes, ids=[f"{m} {p}" for m, p in routes])
    return lambda test: by_route(by_role(test))


def assert_the_role_rule_holds(response: Any, allowed: bool) -> None:
    """A role the route allows is not refused (and the route does not fail on it); any other gets a 403
    problem before anything is read: an empty body, or ids nobody has, must not change that."""
    if allowed:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/forbidden"), response.text


def app_client(app: Any, name: str) -> Any:
    """An httpx client calling ``app`` in process with its lifespan run (database engine, token verifier…),
    as ``async with app_client(create_app(), "training") as client``."""
    import contextlib

    import httpx

    @contextlib.asynccontextmanager
    async def client() -> Any:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as http,
        ):
            yield http

    return client()


@contextlib.asynccontextmanager
async def triggered_schedule(
    client: Any,
    ensure: Callable[[Any, str], Awaitable[str]],
    task_queue: str,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
) -> AsyncIterator[Any]:
    """A worker on ``task_queue`` and its schedule, made as each worker's start makes it (twice: the
    same id), triggered once; yields the schedule's handle, deleted afterwards."""
    async with make_worker(client, task_queue=task_queue, workflows=workflows, activities=activities):
        schedule_id = await ensure(client, task_queue)
        assert await ensure(client, task_queue) == schedule_id  # a second worker's start
        handle = client.get_schedule_handle(schedule_id)
        try:
            await handle.trigger()
            yield handle
        finally:
            await handle.delete()


async def last_scheduled_result(client: Any, handle: Any) -> Any:
    """The result of the one run the schedule started (what its workflow history holds)."""
    [run] = (await handle.describe()).info.recent_actions
    return await client.get_workflow_handle(run.action.workflow_id).result()
