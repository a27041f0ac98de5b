"""The portal's pages under 20 signed-in users, beside the referral API answering the same calls.

A receiving PLIE with referrals from a Mission locale, seeded through the API; a ``portal-web`` process
over a ``referral-api`` process; 20 users, each with their own session cookie, ask for the home page
("à traiter") then for a referral's page as fast as the answers come (closed loop). The ceiling is the
referral API alone answering, with the same 20 clients, the calls each page makes in a row — so the
ratio is the share of a page's time that is the API's, the rest being the portal's own work.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Awaitable, Callable

from bench.core import BenchContext, Figure, free_port, percentile
from bench.httpload import Connection, LoadResult, closed_loop
from bench.measurements.http_ceiling import wait_http
from bench.procs import Processes
from bench.referral_fixture import Tokens, seed, start_referral
from bench.registry import measurement
from bench.scratch import scratch_database
from relais_portal.session import COOKIE, SessionCodec
from relais_portal.settings import PortalSettings

USERS = 20


async def _load(port: int, calls: Callable[[Connection], Awaitable[int]], ctx: BenchContext) -> LoadResult:
    return await closed_loop(
        "127.0.0.1",
        port,
        calls,
        connections=USERS,
        duration_s=ctx.sizes.pick(20.0, 4.0),
        max_requests=ctx.sizes.pick(4000, 200),
    )


def _p95_ms(result: LoadResult) -> float:
    """p95 of the answered pages; failures (a 503 when the API did not answer within the portal's
    timeout) are counted in the notes, not hidden: a run with failures says so."""
    value = percentile([s * 1000 for s in result.latencies], 95)
    if value is None:
        raise RuntimeError(f"no page answered: statuses {result.statuses}")
    return value


def _failures(name: str, result: LoadResult) -> str:
    return f"{name}: {result.errors} failed of {result.sent} ({result.statuses})" if result.errors else ""


@measurement("portal.pages", kind="relais", order=40)
async def portal_pages(ctx: BenchContext) -> list[Figure]:
    """Home page and referral page p95 with 20 signed-in users, against the referral API's own p95."""
    tokens = Tokens()
    async with scratch_database(ctx, "portal") as url:
        with Processes(ctx.work_dir) as procs:
            api_port = await start_referral(ctx, procs, database_url=url, task_queue="unused", which=("api",))
            seeded = await seed(api_port, tokens, jobseekers=ctx.sizes.pick(40, 10))
            conn = Connection("127.0.0.1", api_port)
            referral_ids = []
            try:
                for person in seeded.jobseekers:
                    status, body = await conn.json(
                        "POST",
                        "/v1/referrals",
                        {"jobseeker_id": person, "receiver_org_id": str(seeded.receiver), "motive": "Bench"},
                        {**tokens.header(seeded.sender), "Idempotency-Key": str(uuid.uuid4())},
                    )
                    if status != 201:
                        raise RuntimeError(f"referral not created: {status} {body}")
                    referral_ids.append(body["id"])
            finally:
                conn.close()

            portal_port = free_port()
            procs.start_module(
                "portal-web",
                "relais_portal.entrypoints.web",
                ctx.service_env(
                    RELAIS_PORTAL_API_PORT=str(portal_port),
                    RELAIS_PORTAL_REFERRAL_URL=f"http://127.0.0.1:{api_port}",
                ),
            )
            await wait_http(portal_port, "/ready", procs)

            settings = PortalSettings()
            codec = SessionCodec(settings.session_secret, settings.session_ttl_s)
            receiver = seeded.receiver
            token = tokens.header(receiver, kind="plie")["Authorization"].removeprefix("Bearer ")
            cookies = itertools.cycle(
                [
                    f"{COOKIE}="
                    + codec.dumps(
                        codec.new(
                            token=token,
                            sub=f"bench-user-{n}",
                            org_id=str(receiver),
                            org_name="Bench PLIE",
                            org_kind="plie",
                            role="counsellor",
                        )
                    )
                    for n in range(USERS)
                ]
            )
            referrals = itertools.cycle(referral_ids)
            api_headers = tokens.header(receiver, kind="plie")
            org = f"/v1/organisations/{receiver}"

            async def home_page(c: Connection) -> int:
                status, _ = await c.request("GET", "/", b"", {"Cookie": next(cookies)})
                return status

            async def home_calls(c: Connection) -> int:
                statuses = [
                    (await c.request("GET", path, b"", api_headers))[0]
                    for path in (
                        f"{org}/referrals?direction=incoming&sort=due&limit=100",
                        f"{org}/referrals?direction=outgoing&sort=due&limit=100",
                        f"{org}/tasks?status=open&limit=100",
                    )
                ]
                return max(statuses)

            async def referral_page(c: Connection) -> int:
                status, _ = await c.request(
                    "GET", f"/orientations/{next(referrals)}", b"", {"Cookie": next(cookies)}
                )
                return status

            async def referral_calls(c: Connection) -> int:
                referral = next(referrals)
                status, body = await c.json("GET", f"/v1/referrals/{referral}", None, api_headers)
                statuses = [status]
                for path in (f"/v1/jobseekers/{body['jobseeker_id']}", f"/v1/referrals/{referral}/notes"):
                    statuses.append((await c.request("GET", path, b"", api_headers))[0])
                return max(statuses)

            began = time.perf_counter()
            await _load(portal_port, home_page, ctx)  # warm-up: templates compiled, caches filled
            home = await _load(portal_port, home_page, ctx)
            home_api = await _load(api_port, home_calls, ctx)
            page = await _load(portal_port, referral_page, ctx)
            page_api = await _load(api_port, referral_calls, ctx)
            elapsed = time.perf_counter() - began
    failures = "; ".join(
        f
        for f in (
            _failures("home", home),
            _failures("home API", home_api),
            _failures("referral page", page),
            _failures("referral API", page_api),
        )
        if f
    )
    notes = (
        f"{USERS} users in a closed loop, {len(referral_ids)} referrals received; "
        f"home {home.rate:.0f} pages/s, referral page {page.rate:.0f} pages/s; {elapsed:.0f} s"
        + (f"; FAILURES — {failures}" if failures else "; no failed request")
    )
    return [
        Figure(
            "portal.home.api_p95",
            "Referral API: the home page's 3 calls in a row, p95 (20 clients)",
            "ms",
            [_p95_ms(home_api)],
            better="lower",
        ),
        Figure(
            "portal.home.p95",
            "Portal home page (à traiter), p95 (20 signed-in users)",
            "ms",
            [_p95_ms(home)],
            better="lower",
            ceiling="portal.home.api_p95",
            notes=notes,
        ),
        Figure(
            "portal.referral.api_p95",
            "Referral API: a referral page's 3 calls in a row, p95 (20 clients)",
            "ms",
            [_p95_ms(page_api)],
            better="lower",
        ),
        Figure(
            "portal.referral.p95",
            "Portal referral page, p95 (20 signed-in users)",
            "ms",
            [_p95_ms(page)],
            better="lower",
            ceiling="portal.referral.api_p95",
        ),
    ]
