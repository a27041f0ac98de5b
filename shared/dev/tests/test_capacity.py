"""The capacity plan follows the bench's figures: replicas from CPU per referral, shards from open
workflows, partitions from what one consumer takes; `relais capacity` prints it from latest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relais_dev import capacity
from relais_dev.cli import main


def figure(median: float, **extra: Any) -> dict[str, Any]:
    return {"median": median, "extra": extra} if extra else {"median": median}


def bench_document(*, rate: float = 20.0, api_percent: float = 40.0) -> dict[str, Any]:
    """A bench result of the shape `make bench` writes, with round figures."""
    at_saturation = {
        "api": api_percent,
        "consumer": 10.0,
        "relay": 2.0,
        "worker": 10.0,
        "kafka": 10.0,
        "temporal": 40.0,
        "postgres": -3.0,  # what the sampling of short-lived backends can give
        "bench": 5.0,
        "machine": 150.0,
    }
    return {
        "meta": {"commit": "abc1234", "started_at": "2026-12-05 10:00 UTC"},
        "figures": {
            "referral.e2e.saturation_rate": figure(rate, cpu_percent_of_one_core=at_saturation),
            "referral.e2e.half_p50": figure(100.0, cpu_percent_of_one_core={"postgres": 5.0}),
            "rss.referral_api.load": figure(130.0),
            "rss.referral_consumer.load": figure(150.0),
            "rss.inbox_replay.load": figure(200.0),
            "rss.referral_relay.load": figure(70.0),
            "rss.referral_worker.load": figure(240.0),
            "rss.timers_worker.open": figure(250.0),
            "ceiling.kafka.produce": figure(50_000.0),
            "referral.timers.history_bytes": figure(1_000.0),
        },
    }


def test_cpu_per_referral_is_the_share_of_a_core_at_saturation_divided_by_the_rate() -> None:
    bench = capacity.BenchFigures.from_document(bench_document(rate=20.0, api_percent=40.0))
    assert bench.cpu_ms["api"] == pytest.approx(20.0)  # 0.4 core / 20 referrals/s
    assert bench.cpu_ms["consumer"] == pytest.approx(5.0)
    # PostgreSQL is read at half the rate: 5 % of a core at 10 referrals/s.
    assert bench.cpu_ms["postgres"] == pytest.approx(5.0)
    assert "machine" not in bench.cpu_ms and "bench" not in bench.cpu_ms
    assert bench.rss_mb["consumer"] == 200.0 and bench.rss_mb["worker"] == 250.0


def test_replicas_grow_with_the_peak_and_never_fall_below_the_minimum() -> None:
    bench = capacity.BenchFigures.from_document(bench_document())
    small = capacity.plan(capacity.Target("small", 1_000, 10_000, 1.0), bench)
    assert small.replicas["api"] == capacity.MIN_REPLICAS["api"]
    # 300 referrals/s × 20 ms = 6 cores, at 60 % of one core per replica: 10 replicas.
    big = capacity.plan(capacity.Target("big", 1_000, 10_000, 300.0), bench)
    assert big.replicas["api"] == 10
    assert big.replicas["relay"] == 2  # one active, one standing by, whatever the load


def test_history_shards_are_the_power_of_two_above_twice_the_open_workflows_per_shard() -> None:
    bench = capacity.BenchFigures.from_document(bench_document())
    target = capacity.Target("t", 1_000_000, 3_650_000, 10.0)  # 1,000,000 journeys + 300,000 referrals open
    plan = capacity.plan(target, bench)
    assert plan.open_workflows == 1_300_000
    assert plan.history_shards == 512  # 2 × 1,300,000 / 10,000 = 260 → 512
    assert plan.history_shards & (plan.history_shards - 1) == 0


def test_partitions_stay_at_the_default_until_the_consumers_need_more() -> None:
    bench = capacity.BenchFigures.from_document(bench_document())
    # One consumer takes 0.6 × 1000 / 5 ms = 120 referrals/s; ×3 growth at 1,000 referrals/s: 25 → 30.
    assert capacity.plan(capacity.Target("t", 1, 1, 100.0), bench).partitions == 12
    assert capacity.plan(capacity.Target("t", 1, 1, 1_000.0), bench).partitions == 30


def test_resources_come_from_the_measured_memory_and_cpu_of_each_process() -> None:
    bench = capacity.BenchFigures.from_document(bench_document())
    worker = capacity.process_resources(bench, "worker")
    assert worker.memory_request_mi == 256  # 250 MB rounded up to 16 MiB
    assert worker.memory_limit_mi == 512
    assert worker.cpu_request_m == 100  # 5 ms × 20 referrals/s: 10 % of a core at saturation
    assert capacity.process_resources(bench, "relay").cpu_request_m == 50  # the floor


def test_relais_capacity_prints_the_three_targets_from_latest_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(bench_document()))
    assert main(["capacity", "--bench", str(path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "metropolis" in line)
    assert header.split() == ["metropolis", "region", "country"]
    assert "Temporal history shards" in out and "commit abc1234" in out
    shards = next(line for line in out.splitlines() if line.startswith("Temporal history shards"))
    assert shards.split()[-1] == "2048"  # 6 M journeys + 1.6 M referrals open → 1,529 → 2,048


def test_the_committed_bench_result_gives_a_plan() -> None:
    bench = capacity.BenchFigures.load(capacity.bench_path(Path(__file__).resolve().parents[3]))
    plan = capacity.plan(capacity.COUNTRY, bench)
    assert plan.replicas["api"] >= 2 and plan.history_shards >= 1024
