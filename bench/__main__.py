"""``python -m bench [--quick] [--only NAME,…] [--profile]``: run the measurements against the local stack.

The stack must be up (``make bench`` brings it up and down around this). Ports come from the
``RELAIS_*_PORT`` variables through :class:`relais_dev.stack.Stack`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime

import psutil

from bench.core import BenchContext, Figure
from bench.registry import all_measurements
from bench.report import write
from relais_dev.stack import Stack, repo_root

DEFAULT_NOTE = ""  # e.g. --note "the machine was shared with other test runs"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=repo_root(),
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def run(args: argparse.Namespace) -> int:
    stack = Stack()
    status = stack.status()
    if not all(status.values()):
        print(f"the local stack is not up ({status}); use `make bench`", file=sys.stderr)
        return 2
    ctx = BenchContext(stack=stack, quick=args.quick, profile=args.profile)
    selected = [m for m in all_measurements() if not args.only or m.name in args.only.split(",")]
    if args.list:
        for m in selected:
            print(f"{m.name:24} {m.kind:8} {m.description}")
        return 0
    started = time.perf_counter()
    meta = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 1024**3,
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": sys.version.split()[0],
        "commit": _commit(),
        "quick": args.quick,
        "run_id": ctx.run_id,
        "note": args.note,
        # A throw-away stack: durability is off, like the tests'. Said beside the figures.
        "pg_fsync": "on" if ctx.stack.pg_fsync else "off",
        "failed": [],
        "durations_s": {},
    }
    failures = 0
    for m in selected:
        began = time.perf_counter()
        print(f"[bench] {m.name}: {m.description}", flush=True)
        try:
            figures: list[Figure] = await m.run(ctx)
        except Exception:
            failures += 1
            meta["failed"].append(m.name)
            traceback.print_exc()
            continue
        finally:
            meta["durations_s"][m.name] = round(time.perf_counter() - began, 1)
        for fig in figures:
            ctx.figures[fig.key] = fig
            value = fig.value
            print(
                f"[bench]   {fig.key} = {value if value is None else round(value, 2)} {fig.unit}", flush=True
            )
        print(f"[bench]   ({time.perf_counter() - began:.0f} s)", flush=True)
    meta["duration_s"] = time.perf_counter() - started
    meta["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results = repo_root() / "bench" / "results"
    stem = args.output or ("quick" if args.quick else "latest")
    suffix = ".tmp" if args.quick and not args.output else ""
    write(ctx.figures, meta, results / f"{stem}.json{suffix}", results / f"{stem}.md{suffix}")
    print(f"[bench] wrote {results / (stem + '.json' + suffix)} and .md in {meta['duration_s']:.0f} s")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat: to check it works")
    parser.add_argument("--only", help="comma-separated measurement names (see --list)")
    parser.add_argument("--list", action="store_true", help="list the measurements and exit")
    parser.add_argument("--profile", action="store_true", help="py-spy the referral processes at saturation")
    parser.add_argument("--output", help="file stem under bench/results (default latest, or quick.*.tmp)")
    parser.add_argument("--note", default=DEFAULT_NOTE, help="what the report says about the machine")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("aiokafka", "temporalio"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
