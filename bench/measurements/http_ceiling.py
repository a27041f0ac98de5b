"""Raw HTTP ceiling: a trivial FastAPI endpoint served by one uvicorn worker."""

from __future__ import annotations

import asyncio

from bench.core import BenchContext, Figure, free_port, percentile
from bench.httpload import Connection, closed_loop
from bench.procs import Processes
from bench.registry import measurement

CONNECTIONS = 32


async def wait_http(port: int, path: str, procs: Processes, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        procs.check_alive()
        conn = Connection("127.0.0.1", port)
        try:
            status, _ = await conn.request("GET", path)
            if status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        await asyncio.sleep(0.3)
    raise TimeoutError(f"nothing answers 200 on port {port}{path}")


@measurement("http.ceiling", kind="ceiling", order=30)
async def http_ceiling(ctx: BenchContext) -> list[Figure]:
    """Requests per second of a trivial FastAPI endpoint, one uvicorn worker (same uvicorn as Relais)."""
    duration = ctx.sizes.pick(4.0, 2.0)
    port = free_port()
    rates: list[float] = []
    p99s: list[float] = []

    async def ping(conn: Connection) -> int:
        status, _ = await conn.request("GET", "/ping")
        return status

    with Processes(ctx.work_dir) as procs:
        procs.start_module(
            "trivial-api",
            "uvicorn",
            ctx.service_env(),
            "bench.trivial_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        )
        await wait_http(port, "/ping", procs)
        await closed_loop(
            "127.0.0.1", port, ping, connections=CONNECTIONS, duration_s=1.0, max_requests=10**6
        )
        for _ in range(ctx.repeats()):
            result = await closed_loop(
                "127.0.0.1", port, ping, connections=CONNECTIONS, duration_s=duration, max_requests=10**7
            )
            rates.append(result.rate)
            p99s.append((percentile(result.latencies, 99) or 0) * 1000)
    return [
        Figure(
            "ceiling.http.rps",
            "FastAPI trivial GET, one uvicorn worker",
            "req/s",
            rates,
            notes=f"{CONNECTIONS} keep-alive connections, {duration:.0f} s per repeat; "
            "the client runs on the same 2 cores",
            extra={"p99_ms": p99s},
        )
    ]
