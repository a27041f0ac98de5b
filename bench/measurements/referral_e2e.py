"""Relais end to end: referrals per second sustained (HTTP → inbox visible and workflow running), latency
at saturation and at half of it, outbox relay lag, HTTP submission rate, CPU and memory of each process.

The four referral processes (api, consumer, relay, worker) run as in production, against a scratch
database and a task queue of their own; events travel on the real ``relais.referral.events`` topic
with the real consumer groups, so the bench drains them before it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from temporalio.client import Client

from bench.core import BenchContext, Figure, Target, percentile
from bench.e2e_tracker import Tracker
from bench.httpload import Connection, closed_loop, open_loop
from bench.kafka_util import wait_caught_up
from bench.procs import Processes, RssSampler, rss_mb, stack_pids, tree_rss_mb
from bench.profiling import CpuMeter, record
from bench.referral_fixture import Seed, Tokens, seed, start_referral
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database
from bench.temporal_util import terminate_task_queue, wait_for_worker
from relais_referral.events.consumer import BRIDGE_GROUP, INBOX_GROUP
from relais_referral.events.contracts import TOPIC

USERS = 64  # closed loop at saturation: each user submits, waits until complete, submits again
HTTP_CONNECTIONS = 16
COMPLETE_TIMEOUT_S = 60


class Submitter:
    """POST /v1/referrals for the seeded sender, each of its jobseekers once (DOMAIN: one open referral
    per person and receiver)."""

    def __init__(self, seed_data: Seed, tokens: Tokens, tracker: Tracker | None, start: int = 0) -> None:
        self.seed = seed_data
        self.headers = tokens.header(seed_data.sender)
        self.tracker = tracker
        self.count = start  # people already referred to the receiver would answer 409
        self.ids: list[str] = []

    async def __call__(self, conn: Connection) -> int:
        self.count += 1
        body = {
            "jobseeker_id": self.seed.jobseekers[self.count % len(self.seed.jobseekers)],
            "receiver_org_id": str(self.seed.receiver),
            "motive": "Accompagnement renforcé PLIE",
        }
        sent = time.time()
        status, answer = await conn.json("POST", "/v1/referrals", body, self.headers)
        if status == 201:
            self.ids.append(answer["id"])
            if self.tracker is not None:
                self.tracker.submitted(answer["id"], sent)
        return status


async def saturation_run(
    port: int, tracker: Tracker, submitter: Submitter, duration: float, meter: CpuMeter | None = None
) -> tuple[float, list[float], list[str]]:
    """Closed loop over the whole pipeline; returns (completions/s after warm-up, latencies, ids)."""
    first = len(submitter.ids)
    t0 = time.time()
    deadline = t0 + duration

    async def user() -> None:
        conn = Connection("127.0.0.1", port)
        try:
            while time.time() < deadline:
                try:
                    status = await submitter(conn)
                except (OSError, asyncio.IncompleteReadError):
                    await asyncio.sleep(0.05)
                    continue
                if status == 201:
                    await tracker.until_complete(submitter.ids[-1], COMPLETE_TIMEOUT_S)
                else:
                    await asyncio.sleep(0.05)
        finally:
            conn.close()

    # Each user waits for its own last referral; ids[-1] is the one it just appended (no await between).
    await asyncio.gather(*(user() for _ in range(USERS)))
    if meter is not None:
        meter.stop()  # the CPU of the loaded window, not of the drain that follows
    ids = submitter.ids[first:]
    await tracker.drain(ids, COMPLETE_TIMEOUT_S)
    warm = duration * 0.2
    rate = tracker.completions_between(t0 + warm, deadline) / (duration - warm)
    return rate, tracker.latencies(ids), ids


async def outbox_lag(database_url: str, since: datetime, until: datetime) -> dict[str, float | None]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM published_at - created_at)) AS p "
            "FROM outbox WHERE created_at >= $1 AND created_at < $2 AND published_at IS NOT NULL",
            since,
            until,
        )
    finally:
        await conn.close()
    p = row["p"] or [None, None, None]
    return {"n": row["n"], "p50": p[0], "p95": p[1], "p99": p[2]}


async def wait_drained(ctx: BenchContext, database_url: str, timeout: float = 120) -> None:
    """Outbox empty and both consumer groups at the end of the topic: nothing of the bench is left over."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    await wait_caught_up(ctx.stack.kafka_bootstrap, (INBOX_GROUP, BRIDGE_GROUP), TOPIC, timeout)


def _cpu_note(cpu: dict[str, float] | None, rates: list[float]) -> str:
    """CPU per referral of each process at saturation, in ms (the first repeat: its CPU over its rate)."""
    if not cpu or not rates:
        return ""
    rate = sorted(rates)[len(rates) // 2]
    if rate <= 0:
        return ""
    per = ", ".join(f"{name} {10 * share / rate:.1f}" for name, share in cpu.items())
    return f"; CPU ms per referral: {per}"


def ms(values: list[float | None]) -> list[float]:
    return [v * 1000 for v in values if v is not None]


@measurement("referral.e2e", kind="relais", order=10)
async def referral_e2e(ctx: BenchContext) -> list[Figure]:
    """Referrals end to end at saturation and at half of it; relay lag; CPU and memory per process."""
    duration = ctx.sizes.pick(6.0, 3.0)
    repeats = ctx.repeats(2)
    task_queue = f"bench-e2e-{ctx.run_id}"
    tokens = Tokens()
    temporal = await Client.connect(ctx.stack.temporal_address)
    sat_rates: list[float] = []
    sat_p: dict[str, list[float]] = {"p50": [], "p95": [], "p99": []}
    half_p: dict[str, list[float]] = {"p50": [], "p95": [], "p99": []}
    half_offered: list[float] = []
    half_achieved: list[float] = []
    lag_p: dict[str, list[float]] = {"p50": [], "p95": [], "p99": []}
    http_rates: list[float] = []
    http_p99: list[float] = []
    http_refused: list[str] = []
    cpu: dict[str, Any] = {}
    rest: dict[str, float] = {}
    async with scratch_database(ctx, "e2e") as url:
        with Processes(ctx.work_dir) as procs:
            try:
                port = await start_referral(ctx, procs, database_url=url, task_queue=task_queue)
                await wait_for_worker(temporal, task_queue, procs)
                # One referral per person: a second open referral to the same receiver is refused (409).
                data = await seed(port, tokens, jobseekers=ctx.sizes.pick(1600, 400))
                pids = {name.removeprefix("referral-"): proc.pid for name, proc in procs.procs.items()}
                # The stack's consumer groups may hold events of earlier runs: start from a caught-up state.
                await wait_drained(ctx, url)
                async with Tracker(port, data.receiver, tokens, temporal, task_queue) as tracker:
                    submitter = Submitter(data, tokens, tracker)
                    # Warm-up: imports, connection pools, sticky caches.
                    warm = await open_loop("127.0.0.1", port, submitter, rate_per_s=10, duration_s=2)
                    await tracker.drain(submitter.ids[-warm.ok :], COMPLETE_TIMEOUT_S)
                    await asyncio.sleep(3)
                    rest = {name: round(rss_mb(pid), 1) for name, pid in pids.items()}
                    async with RssSampler(pids) as sampler:
                        meter = CpuMeter({**pids, **stack_pids(ctx.stack.state, ctx.stack.pg_data)})
                        for i in range(repeats):
                            meter.start()
                            spies = []
                            if ctx.profile and i == 0:
                                spies = await record(pids, duration, ctx.work_dir)
                            rate, latencies, _ = await saturation_run(
                                port, tracker, submitter, duration, meter if i == 0 else None
                            )
                            for spy in spies:
                                with contextlib.suppress(Exception):
                                    await spy.wait()
                            if i == 0:
                                cpu["saturation"] = dict(meter.percent)
                            procs.check_alive()
                            sat_rates.append(rate)
                            for n in (50, 95, 99):
                                sat_p[f"p{n}"].append((percentile(latencies, n) or 0) * 1000)
                        saturation = sorted(sat_rates)[len(sat_rates) // 2]
                        offered = max(1.0, saturation / 2)
                        for i in range(repeats):
                            since = datetime.now(UTC)
                            meter.start()
                            result = await open_loop(
                                "127.0.0.1", port, submitter, rate_per_s=offered, duration_s=duration
                            )
                            ids = submitter.ids[-result.ok :] if result.ok else []
                            left = await tracker.drain(ids, COMPLETE_TIMEOUT_S)
                            if i == 0:
                                cpu["half_saturation"] = meter.stop()
                            latencies = tracker.latencies(ids)
                            half_offered.append(offered)
                            half_achieved.append(len(latencies) / duration)
                            for n in (50, 95, 99):
                                half_p[f"p{n}"].append((percentile(latencies, n) or 0) * 1000)
                            lag = await outbox_lag(url, since, datetime.now(UTC))
                            for q in ("p50", "p95", "p99"):
                                lag_p[q].extend(ms([lag[q]]))
                            if left:
                                print(f"[bench]   {left} referrals not complete after {COMPLETE_TIMEOUT_S}s")
                    under_load = {name: round(v, 1) for name, v in sampler.peak.items()}
                # HTTP alone: how fast the API accepts referrals (the pipeline then absorbs the burst).
                http_only = Submitter(data, tokens, None, start=submitter.count)
                for _ in range(repeats):
                    burst = await closed_loop(
                        "127.0.0.1",
                        port,
                        http_only,
                        connections=HTTP_CONNECTIONS,
                        duration_s=ctx.sizes.pick(3.0, 1.0),
                        max_requests=ctx.sizes.pick(150, 100),
                    )
                    http_rates.append(burst.rate)
                    http_p99.append((percentile(burst.latencies, 99) or 0) * 1000)
                    refused = {code: n for code, n in burst.statuses.items() if not 200 <= code < 300}
                    if refused or burst.errors:
                        http_refused.append(f"{burst.errors} errors, statuses {refused}")
                    await wait_drained(ctx, url)
                await wait_drained(ctx, url)
                stack_rss = {}
                for name, pid in stack_pids(ctx.stack.state, ctx.stack.pg_data).items():
                    with contextlib.suppress(Exception):
                        stack_rss[name] = round(tree_rss_mb(pid) if name == "postgres" else rss_mb(pid), 1)
            finally:
                procs.stop()
                await terminate_task_queue(temporal, task_queue, wait_s=60)
    temporal_ceiling = "ceiling.temporal.workflows"
    figures = [
        Figure(
            "referral.e2e.saturation_rate",
            "Referrals end to end at saturation (HTTP → inbox visible and workflow running)",
            "ref/s",
            sat_rates,
            ceiling=temporal_ceiling,
            target=Target("≥ 50 % of the Temporal ceiling", min_ratio=0.5),
            notes=f"{USERS} closed-loop users over the whole pipeline, {duration:.0f} s per repeat, "
            "rate counted after 20 % warm-up; inbox polled every 0.1 s through the API (newest 50)"
            + _cpu_note(cpu.get("saturation"), sat_rates[:1]),
            extra={"cpu_percent_of_one_core": cpu.get("saturation")},
        ),
    ]
    for q in ("p50", "p95", "p99"):
        figures.append(
            Figure(
                f"referral.e2e.saturation_{q}",
                f"End-to-end latency at saturation, {q}",
                "ms",
                sat_p[q],
                better="lower",
            )
        )
    for q in ("p50", "p95", "p99"):
        figures.append(
            Figure(
                f"referral.e2e.half_{q}",
                f"End-to-end latency at half the saturation rate (fixed offered load), {q}",
                "ms",
                half_p[q],
                better="lower",
                target=Target("< 1 s", max_value=1000.0) if q == "p99" else None,
                notes=(
                    f"open loop at {', '.join(f'{o:.1f}' for o in half_offered)} ref/s offered "
                    f"({', '.join(f'{a:.1f}' for a in half_achieved)} completed/s), "
                    f"{duration:.0f} s per repeat"
                )
                if q == "p50"
                else "",
                extra={"cpu_percent_of_one_core": cpu.get("half_saturation")} if q == "p50" else {},
            )
        )
    for q in ("p50", "p95", "p99"):
        figures.append(
            Figure(
                f"referral.outbox.lag_{q}",
                f"Outbox relay lag at half saturation (commit → published), {q}",
                "ms",
                lag_p[q],
                better="lower",
            )
        )
    figures.append(
        Figure(
            "referral.api.submit_rate",
            "POST /v1/referrals accepted per second (API alone, closed loop)",
            "req/s",
            http_rates,
            ceiling="ceiling.http.rps",
            notes=f"{HTTP_CONNECTIONS} connections, bounded burst; "
            f"p99 {', '.join(f'{p:.0f}' for p in http_p99)} ms"
            + (f"; NOT ACCEPTED: {'; '.join(http_refused)}" if http_refused else ""),
        )
    )
    for name, value in rest.items():
        figures.append(
            Figure(
                f"rss.referral_{name}.rest",
                f"Resident memory of referral-{name} at rest",
                "MB",
                [value],
                better="lower",
                target=Target("< 300 MB at rest", max_value=300.0),
            )
        )
        figures.append(
            Figure(
                f"rss.referral_{name}.load",
                f"Resident memory of referral-{name}, peak under load",
                "MB",
                [under_load.get(name, 0.0)],
                better="lower",
            )
        )
    for name, value in stack_rss.items():
        figures.append(
            Figure(
                f"rss.stack_{name}.rest",
                f"Resident memory of the stack's {name} after the load"
                + (" (server and backends, unique pages)" if name == "postgres" else ""),
                "MB",
                [value],
                better="lower",
                target=Target("< 300 MB at rest", max_value=300.0),
            )
        )
    return figures
