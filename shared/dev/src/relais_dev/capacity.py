"""The capacity plan of Relais, derived from what ``make bench`` measured (``bench/results/latest.json``).

``relais capacity`` prints it; the Kubernetes manifests take their resource requests and limits and
their autoscaling thresholds from the same figures (``relais_dev.kubernetes``), so a new bench run moves
both, and ``make contracts-check`` says when the committed manifests lag behind.

The derivation, for a target of ``peak`` referrals per second:

- **CPU per referral** of each process, in milliseconds, is the bench's CPU share of one core at the
  end-to-end saturation rate divided by that rate (the marginal cost of a referral). PostgreSQL's
  share at saturation is read at half that rate instead: the bench samples its backends, which come and
  go, and the saturated reading can come out negative.
- **Replicas** of a Relais process: ``ceil(peak × cpu_ms / 1000 / UTILISATION)`` — one replica is one
  Python event loop, which uses at most one core, kept at ``UTILISATION`` of it for headroom — and never
  fewer than the minimum that keeps the process available while a node drains.
- **Partitions**: one consumer replica per partition at most (Kafka's unit of parallelism); a topic
  needs ``max(t/p, t/c)`` partitions (Jun Rao, "How to choose the number of topics/partitions in a
  Kafka cluster?", Confluent, 2015), where the per-partition produce rate p is tens of MB/s and the
  consume rate c is the consumer's own, ``UTILISATION × 1000 / consumer_cpu_ms`` referrals/s. The
  default of 12 partitions stands until that bound exceeds it (scaled ×3 for growth).
- **Brokers**: 3, for ``min.insync.replicas=2`` with replication factor 3 (one broker may be lost
  without refusing a write); throughput needs far fewer (measured: one broker on 2 cores takes 52,000
  messages of 1 KB a second with ``acks=all``).
- **Temporal**: the history shard count is fixed at a cluster's creation (Temporal documentation,
  "What is a History Shard?": clusters run from 1 to 128K shards, each holding tens of thousands of
  workflow executions). Open executions are one JourneyWorkflow per jobseeker plus the referrals still
  open; shards = next power of two of ``2 × open / OPEN_PER_SHARD``. Temporal's CPU per referral, measured
  on the dev server (which embeds its own persistence), sizes the frontend, history and matching
  services together; it is shared between them as Temporal's own load tests start (one part each for
  frontend and matching, three for history: "Scaling Temporal: The Basics", Temporal blog, 2023).
- **PostgreSQL**: CPU from the measured PostgreSQL share; storage from referrals kept, jobseekers
  and open workflows (the bench measures the history size of a waiting ReferralWorkflow; the bytes a
  referral takes in the referral database are an estimate, ``REFERRAL_ROW_BYTES``: the bench does not
  measure them yet).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A replica of a Python process is kept at 60 % of its one core at peak.
UTILISATION = 0.6
# The fewest replicas that keep each kind of process available while one pod is replaced or its node
# drained; a relay is one active and one standing by (an advisory lock per database elects the active).
MIN_REPLICAS = {"api": 2, "web": 2, "consumer": 2, "worker": 2, "relay": 2}
# Default partitions per topic (the manifests' default) and the growth kept in hand when deriving them.
DEFAULT_PARTITIONS = 12
PARTITION_GROWTH = 3
BROKERS = 3
# Open workflow executions a history shard holds comfortably (the lower end of "tens of thousands").
OPEN_PER_SHARD = 10_000
# Of Temporal's CPU: frontend, history, matching (history does most of the work).
TEMPORAL_SHARES = {"frontend": 1, "history": 3, "matching": 1}
TEMPORAL_MIN_REPLICAS = 2
# Estimates the bench does not measure (said so wherever they are used).
REFERRAL_ROW_BYTES = 8_000  # referral, its history, inbox row, events staged and audit lines, with indexes
JOBSEEKER_ROW_BYTES = 4_000  # person, journey and contacts, with indexes
EVENTS_PER_REFERRAL = 8  # submitted, acknowledged, appointment, outcome, accepted/returned, closed, journey
EVENT_BYTES = 1_000  # an envelope of ids, codes and dates (the bench produces 1 KB messages)
HISTORY_GROWTH = 4  # a referral's history over its whole life against the measured waiting one (5 events)
RETENTION_DAYS = 30  # Temporal namespace retention of closed workflows
REFERRAL_OPEN_DAYS = 30  # how long a referral stays open on average (deadline, appointment, outcome)
YEARS_KEPT = 3  # referrals kept in the referral database before their data is erased


@dataclass(frozen=True)
class Target:
    name: str
    jobseekers: int
    referrals_per_year: int
    peak_per_s: float


# France: about 6 M registered jobseekers, 20 M referrals a year, peaks near 100 referrals a second. A
# region (Pays de la Loire, 5.6 % of the population) and a metropolis (Nantes Métropole, 1 %) take their
# share, with the country's ratio of peak to yearly volume.
COUNTRY = Target("country", 6_000_000, 20_000_000, 100.0)
REGION = Target("region", 340_000, 1_120_000, 5.6)
METROPOLIS = Target("metropolis", 60_000, 200_000, 1.0)
TARGETS = {t.name: t for t in (METROPOLIS, REGION, COUNTRY)}


@dataclass(frozen=True)
class BenchFigures:
    """What the plan needs from ``latest.json``: per-referral CPU, memory per process, Temporal costs."""

    saturation_rate: float  # referrals/s end to end
    cpu_ms: dict[str, float]  # per referral: api, consumer, relay, worker, kafka, temporal, postgres
    rss_mb: dict[str, float]  # peak resident memory per process kind
    kafka_produce_rate: float  # msg/s, one broker
    history_bytes: float  # one waiting ReferralWorkflow
    commit: str
    started_at: str

    @classmethod
    def load(cls, path: Path) -> BenchFigures:
        return cls.from_document(json.loads(path.read_text()))

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> BenchFigures:
        figures = doc["figures"]

        def median(key: str) -> float:
            return float(figures[key]["median"])

        saturation = figures["referral.e2e.saturation_rate"]
        rate = float(saturation["median"])
        share = saturation["extra"]["cpu_percent_of_one_core"]
        half = figures["referral.e2e.half_p50"]["extra"]["cpu_percent_of_one_core"]
        cpu_ms = {name: share[name] / 100 * 1000 / rate for name in share if name not in {"bench", "machine"}}
        cpu_ms["postgres"] = half["postgres"] / 100 * 1000 / (rate / 2)
        # The web process (the portal) is an API process of the same stack; the worst reading of each kind.
        api = median("rss.referral_api.load")
        rss = {
            "api": api,
            "web": api,
            "consumer": max(median("rss.referral_consumer.load"), median("rss.inbox_replay.load")),
            "relay": median("rss.referral_relay.load"),
            "worker": max(median("rss.referral_worker.load"), median("rss.timers_worker.open")),
        }
        return cls(
            saturation_rate=rate,
            cpu_ms=cpu_ms,
            rss_mb=rss,
            kafka_produce_rate=median("ceiling.kafka.produce"),
            history_bytes=median("referral.timers.history_bytes"),
            commit=str(doc["meta"].get("commit", "?")),
            started_at=str(doc["meta"].get("started_at", "?")),
        )


def bench_path(root: Path) -> Path:
    return root / "bench" / "results" / "latest.json"


def replicas(peak: float, cpu_ms: float, minimum: int) -> int:
    return max(minimum, math.ceil(peak * cpu_ms / 1000 / UTILISATION))


def next_power_of_two(value: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(1.0, value))))


@dataclass(frozen=True)
class Plan:
    target: Target
    replicas: dict[str, int]  # Relais processes, per service that runs them
    partitions: int
    partition_bound: float  # referrals/s the partitions carry at UTILISATION
    brokers: int
    kafka_mb_s: float
    kafka_gb_per_broker: float  # a year of events, replicated 3 times, spread over the brokers
    open_workflows: int
    history_shards: int
    temporal_cores: float
    temporal_replicas: dict[str, int]
    relais_pg_cores: float
    relais_pg_gb: float
    temporal_pg_cores: float
    temporal_pg_gb: float


def plan(target: Target, bench: BenchFigures) -> Plan:
    peak = target.peak_per_s
    processes = {
        kind: replicas(peak, bench.cpu_ms[cost], MIN_REPLICAS[kind])
        for kind, cost in (("api", "api"), ("consumer", "consumer"), ("worker", "worker"))
    }
    processes["relay"] = MIN_REPLICAS["relay"]  # one active per database whatever the load
    per_partition = UTILISATION * 1000 / bench.cpu_ms["consumer"]  # referrals/s one consumer takes
    needed = math.ceil(peak * PARTITION_GROWTH / per_partition)
    partitions = max(DEFAULT_PARTITIONS, math.ceil(needed / 6) * 6)
    events_s = peak * EVENTS_PER_REFERRAL
    open_workflows = target.jobseekers + round(target.referrals_per_year * REFERRAL_OPEN_DAYS / 365)
    shards = next_power_of_two(2 * open_workflows / OPEN_PER_SHARD)
    temporal_cores = peak * bench.cpu_ms["temporal"] / 1000 / UTILISATION
    total_share = sum(TEMPORAL_SHARES.values())
    temporal_replicas = {
        service: max(TEMPORAL_MIN_REPLICAS, math.ceil(temporal_cores * share / total_share))
        for service, share in TEMPORAL_SHARES.items()
    }
    referrals_kept = target.referrals_per_year * YEARS_KEPT
    relais_gb = (referrals_kept * REFERRAL_ROW_BYTES + target.jobseekers * JOBSEEKER_ROW_BYTES) / 1e9
    closed_kept = target.referrals_per_year * RETENTION_DAYS / 365
    temporal_gb = (open_workflows + closed_kept) * bench.history_bytes * HISTORY_GROWTH * 2 / 1e9
    return Plan(
        target=target,
        replicas=processes,
        partitions=partitions,
        partition_bound=partitions * per_partition,
        brokers=BROKERS,
        kafka_mb_s=events_s * EVENT_BYTES / 1e6,
        kafka_gb_per_broker=target.referrals_per_year * EVENTS_PER_REFERRAL * EVENT_BYTES * 3 / BROKERS / 1e9,
        open_workflows=open_workflows,
        history_shards=shards,
        temporal_cores=temporal_cores,
        temporal_replicas=temporal_replicas,
        relais_pg_cores=peak * bench.cpu_ms["postgres"] / 1000 / UTILISATION,
        relais_pg_gb=relais_gb,
        temporal_pg_cores=temporal_cores / 2,  # persistence takes about as much CPU as history does
        temporal_pg_gb=temporal_gb,
    )


def render(plans: list[Plan], bench: BenchFigures) -> str:
    """The table of ``relais capacity``, with the figures it was derived from."""
    cpu = ", ".join(f"{name} {ms:.1f}" for name, ms in bench.cpu_ms.items())
    lines = [
        f"Bench {bench.started_at} (commit {bench.commit}): end to end {bench.saturation_rate:.1f} ref/s "
        "on 2 cores",
        f"CPU ms per referral: {cpu}",
        "Peak memory per process (MB): " + ", ".join(f"{kind} {mb:.0f}" for kind, mb in bench.rss_mb.items()),
        f"One replica = one core at {UTILISATION:.0%}; history shards = 2^⌈log2(2 × open / "
        f"{OPEN_PER_SHARD:,})⌉",
        "",
    ]
    header = ["", *[p.target.name for p in plans]]
    rows: list[list[str]] = [
        ["jobseekers", *[f"{p.target.jobseekers:,}" for p in plans]],
        ["referrals a year", *[f"{p.target.referrals_per_year:,}" for p in plans]],
        ["peak referrals/s", *[f"{p.target.peak_per_s:g}" for p in plans]],
        ["api replicas (per service)", *[str(p.replicas["api"]) for p in plans]],
        ["consumer replicas", *[str(p.replicas["consumer"]) for p in plans]],
        ["worker replicas", *[str(p.replicas["worker"]) for p in plans]],
        ["relay (active + standby)", *["1 + 1" for _ in plans]],
        ["partitions per topic", *[str(p.partitions) for p in plans]],
        ["  they carry up to ref/s", *[f"{p.partition_bound:,.0f}" for p in plans]],
        ["Kafka brokers", *[str(p.brokers) for p in plans]],
        ["Kafka MB/s at peak", *[f"{p.kafka_mb_s:.2f}" for p in plans]],
        ["Kafka GB per broker, 1 year", *[f"{p.kafka_gb_per_broker:.0f}" for p in plans]],
        ["open workflows", *[f"{p.open_workflows:,}" for p in plans]],
        ["Temporal history shards", *[str(p.history_shards) for p in plans]],
        ["Temporal cores at peak", *[f"{p.temporal_cores:.1f}" for p in plans]],
        ["Temporal frontend replicas", *[str(p.temporal_replicas["frontend"]) for p in plans]],
        ["Temporal history replicas", *[str(p.temporal_replicas["history"]) for p in plans]],
        ["Temporal matching replicas", *[str(p.temporal_replicas["matching"]) for p in plans]],
        ["Relais PostgreSQL cores", *[f"{p.relais_pg_cores:.2f}" for p in plans]],
        ["Relais PostgreSQL GB", *[f"{p.relais_pg_gb:.1f}" for p in plans]],
        ["Temporal PostgreSQL cores", *[f"{p.temporal_pg_cores:.1f}" for p in plans]],
        ["Temporal PostgreSQL GB", *[f"{p.temporal_pg_gb:.1f}" for p in plans]],
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append(
            "  ".join(
                cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ProcessResources:
    """Requests and limits of one kind of process, from the bench's figures."""

    cpu_request_m: int
    memory_request_mi: int
    memory_limit_mi: int


def process_resources(bench: BenchFigures, kind: str) -> ProcessResources:
    """Memory: the measured peak rounded up to 16 MiB, limit twice that; CPU: the process's share at the
    bench's saturation rate, rounded up to 50 millicores (no CPU limit: a Python process uses one core at
    most, and a throttled event loop misses its Kafka and Temporal heartbeats)."""
    peak_mb = bench.rss_mb[kind]
    request = math.ceil(peak_mb * 1.0 / 16) * 16
    cost = {"web": "api"}.get(kind, kind)
    millicores = bench.cpu_ms[cost] * bench.saturation_rate  # ms of CPU per second = millicores
    return ProcessResources(
        cpu_request_m=max(50, math.ceil(millicores / 50) * 50),
        memory_request_mi=request,
        memory_limit_mi=request * 2,
    )


def consumer_lag_threshold(bench: BenchFigures) -> int:
    """Lag per consumer replica KEDA aims at: what one replica drains in 5 s at UTILISATION, in events
    (counting the consumer's whole CPU per referral against each event: the cautious reading)."""
    per_replica = UTILISATION * 1000 / bench.cpu_ms["consumer"]
    return int(max(50, round(per_replica * 5, -1)))
