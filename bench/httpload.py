"""A minimal HTTP/1.1 keep-alive client for load: far cheaper per request than httpx.

On two cores the load generator shares the CPU with the servers it measures, so it must cost
little: one asyncio stream per connection, requests written as bytes, responses parsed only as far
as the status line, ``Content-Length`` and the body.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self._writer is None:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        status = int(head[9:12])
        length = 0
        chunked = False
        for header in head.split(b"\r\n")[1:]:
            hname, _, hvalue = header.partition(b":")
            lname = hname.strip().lower()
            if lname == b"content-length":
                length = int(hvalue)
            elif lname == b"transfer-encoding" and b"chunked" in hvalue.lower():
                chunked = True
        if chunked:
            payload = b""
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                payload += chunk[:-2]
            return status, payload
        return status, await self._reader.readexactly(length)

    async def json(
        self, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        body = json.dumps(payload).encode() if payload is not None else b""
        status, raw = await self.request(method, path, body, headers)
        return status, (json.loads(raw) if raw else None)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    started: float = 0.0
    finished: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return max(1e-9, self.finished - self.started)

    @property
    def rate(self) -> float:
        return self.ok / self.duration


# One request on a connection; returns the status. The callable may record anything else it needs.
Request = Callable[[Connection], Awaitable[int]]


async def closed_loop(
    host: str, port: int, request: Request, *, connections: int, duration_s: float, max_requests: int
) -> LoadResult:
    """``connections`` clients, each sending its next request as soon as the previous one answered."""
    result = LoadResult()
    deadline = time.perf_counter() + duration_s

    async def client() -> None:
        conn = Connection(host, port)
        try:
            while time.perf_counter() < deadline and result.sent < max_requests:
                result.sent += 1
                began = time.perf_counter()
                try:
                    status = await request(conn)
                except (OSError, asyncio.IncompleteReadError):
                    result.errors += 1
                    await asyncio.sleep(0.05)
                    continue
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    result.ok += 1
                    result.latencies.append(time.perf_counter() - began)
                else:
                    result.errors += 1
        finally:
            conn.close()

    result.started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    result.finished = time.perf_counter()
    return result


async def open_loop(
    host: str, port: int, request: Request, *, rate_per_s: float, duration_s: float, max_in_flight: int = 200
) -> LoadResult:
    """Requests at a fixed offered rate whatever the answers' speed (no coordinated omission).

    A pool of connections serves the arrivals; an arrival that finds all ``max_in_flight`` busy is
    counted as an error rather than delayed, so the offered load stays what was asked.
    """
    result = LoadResult()
    idle: list[Connection] = [Connection(host, port) for _ in range(max_in_flight)]
    tasks: set[asyncio.Task[None]] = set()
    total = int(rate_per_s * duration_s)

    async def one(conn: Connection) -> None:
        began = time.perf_counter()
        try:
            status = await request(conn)
        except (OSError, asyncio.IncompleteReadError):
            result.errors += 1
        else:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                result.ok += 1
                result.latencies.append(time.perf_counter() - began)
            else:
                result.errors += 1
        finally:
            idle.append(conn)

    result.started = time.perf_counter()
    for i in range(total):
        due = result.started + i / rate_per_s
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        result.sent += 1
        if not idle:
            result.errors += 1
            continue
        task = asyncio.create_task(one(idle.pop()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    result.finished = time.perf_counter()
    for conn in idle:
        conn.close()
    return result
