"""Following referrals end to end: submitted over HTTP → visible in the inbox → workflow running.

Two watchers observe the system only from outside, as a user would:
- the receiver's inbox, polled through the public API (newest first) every ``inbox_poll_s``;
- Temporal's visibility, listing the workflows started on the bench's task queue.
A referral is complete once both have seen it; its end-to-end latency runs from the moment its POST
was sent to the later of "first seen in the inbox" and "workflow start time" (server clock, same
machine). Inbox times are as precise as the polling interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field

from temporalio.client import Client

from bench.httpload import Connection
from bench.referral_fixture import Tokens


@dataclass
class Tracked:
    sent: float
    inbox: float | None = None
    workflow: float | None = None

    @property
    def completed(self) -> float | None:
        if self.inbox is None or self.workflow is None:
            return None
        return max(self.inbox, self.workflow)


@dataclass
class Tracker:
    port: int
    receiver: uuid.UUID
    tokens: Tokens
    temporal: Client
    task_queue: str
    inbox_poll_s: float = 0.1
    # The newest 50: at the rates measured here a poll finds a handful of new referrals, and the
    # observer's own load on the API (a page of 200 rows ten times a second) stays small.
    inbox_page: int = 50
    workflow_poll_s: float = 0.2
    referrals: dict[str, Tracked] = field(default_factory=dict)
    _waiters: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    inbox_polls: int = 0
    visibility_errors: int = 0

    def submitted(self, referral_id: str, sent: float) -> None:
        self.referrals.setdefault(referral_id, Tracked(sent))
        self._settle(referral_id)

    async def until_complete(self, referral_id: str, timeout: float) -> None:
        tracked = self.referrals[referral_id]
        if tracked.completed is not None:
            return
        future = self._waiters.setdefault(referral_id, asyncio.get_running_loop().create_future())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(future), timeout)

    def _settle(self, referral_id: str) -> None:
        tracked = self.referrals.get(referral_id)
        if tracked is not None and tracked.completed is not None:
            future = self._waiters.pop(referral_id, None)
            if future is not None and not future.done():
                future.set_result(None)

    def _seen_inbox(self, referral_id: str, at: float) -> None:
        tracked = self.referrals.get(referral_id)
        if tracked is None:
            self.referrals[referral_id] = tracked = Tracked(sent=float("nan"))
        if tracked.inbox is None:
            tracked.inbox = at
            self._settle(referral_id)

    def _seen_workflow(self, referral_id: str, started: float) -> None:
        tracked = self.referrals.get(referral_id)
        if tracked is None:
            self.referrals[referral_id] = tracked = Tracked(sent=float("nan"))
        if tracked.workflow is None:
            tracked.workflow = started
            self._settle(referral_id)

    async def _watch_inbox(self) -> None:
        conn = Connection("127.0.0.1", self.port)
        headers = self.tokens.header(self.receiver, kind="plie")
        path = f"/v1/organisations/{self.receiver}/inbox?sort=-submitted&limit={self.inbox_page}"
        while True:
            try:
                status, page = await conn.json("GET", path, headers=headers)
            except (OSError, asyncio.IncompleteReadError):
                await asyncio.sleep(self.inbox_poll_s)
                continue
            now = time.time()
            self.inbox_polls += 1
            if status == 200:
                for item in page["items"]:
                    self._seen_inbox(item["referral_id"], now)
            await asyncio.sleep(self.inbox_poll_s)

    async def _watch_workflows(self) -> None:
        since = time.time() - 5
        while True:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(since)) + "Z"
            newest = since
            try:
                async for wf in self.temporal.list_workflows(
                    f"TaskQueue = '{self.task_queue}' AND StartTime >= '{stamp}'"
                ):
                    started = wf.start_time.timestamp()
                    newest = max(newest, started)
                    self._seen_workflow(wf.id.removeprefix("referral-"), started)
            except Exception as exc:  # visibility briefly unavailable under load: try again
                self.visibility_errors += 1
                del exc
            since = max(since, newest - 3)  # a small overlap: visibility is written slightly after start
            await asyncio.sleep(self.workflow_poll_s)

    async def __aenter__(self) -> Tracker:
        self._tasks = [asyncio.create_task(self._watch_inbox()), asyncio.create_task(self._watch_workflows())]
        return self

    async def __aexit__(self, *_: object) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drain(self, ids: list[str], timeout: float) -> int:
        """Waits until every referral in ``ids`` is complete; returns how many are not."""
        deadline = asyncio.get_running_loop().time() + timeout
        for rid in ids:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await self.until_complete(rid, left)
        return sum(1 for rid in ids if self.referrals[rid].completed is None)

    def latencies(self, ids: list[str]) -> list[float]:
        values = []
        for rid in ids:
            tracked = self.referrals[rid]
            if tracked.completed is not None:
                values.append(max(0.0, tracked.completed - tracked.sent))
        return values

    def completions_between(self, start: float, end: float) -> int:
        return sum(
            1 for t in self.referrals.values() if t.completed is not None and start <= t.completed < end
        )
