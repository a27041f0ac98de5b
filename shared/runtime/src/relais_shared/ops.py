"""``relais-ops``: what an operator needs in production, without the development tooling.

relais-ops migrate [NAME]                   Alembic migrations of every service (from the manifests), or one
relais-ops topics                           topics of contracts/topics.yaml and their dead-letter topics
relais-ops dlq list|replay --group G        dead letters of a consumer group (Kafka)
relais-ops outbox parked|show|requeue ...   outbox rows the relay gave up on, per service (PostgreSQL)

The development command ``relais`` offers the same subcommands, pointed at the local stack.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from typing import Any


def cmd_dlq(args: argparse.Namespace) -> int:
    from relais_shared.dlq import read_dead_letters, replay_dead_letters
    from relais_shared.kafka import TopicCatalogue, catalogue_path
    from relais_shared.settings import RelaisSettings

    settings = RelaisSettings()
    topic = args.topic or TopicCatalogue.load(catalogue_path()).consumer_groups[args.group].dead_letter_topic
    if args.action == "list":
        letters = asyncio.run(read_dead_letters(settings.kafka_bootstrap, topic))
        for letter in letters:
            print(f"{letter.partition}:{letter.offset}\t{letter.original_topic}\t{letter.error[:160]}")
        print(f"{len(letters)} dead letter(s) in {topic}")
    else:
        offsets = set(args.offset) if args.offset else None
        count = asyncio.run(replay_dead_letters(settings.kafka_bootstrap, topic, offsets))
        print(f"replayed {count} dead letter(s) from {topic}")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from relais_shared import outbox_admin

    url = args.database_url or os.environ.get(f"RELAIS_{args.service.upper()}_DATABASE_URL")
    if not url:
        print(f"set RELAIS_{args.service.upper()}_DATABASE_URL or give --database-url", file=sys.stderr)
        return 2
    if args.action == "parked":
        rows = asyncio.run(outbox_admin.parked_rows(url))
        for row in rows:
            error = (row.last_error or "")[:160]
            print(f"{row.id}\t{row.event_type}\t{row.key}\t{row.attempts} attempts\t{error}")
        print(f"{len(rows)} parked row(s) in the {args.service} outbox")
        return 0
    if args.action == "show":
        if len(args.ids) != 1:
            print("show takes one row id", file=sys.stderr)
            return 2
        row = asyncio.run(outbox_admin.outbox_row(url, args.ids[0]))
        if row is None:
            print(f"no outbox row {args.ids[0]}", file=sys.stderr)
            return 1
        print(json.dumps(dataclasses.asdict(row), indent=2, default=str, ensure_ascii=False))
        return 0
    if not args.ids and not args.all:
        print("requeue takes row ids, or --all", file=sys.stderr)
        return 2
    done = asyncio.run(outbox_admin.requeue(url, None if args.all else args.ids))
    print(f"re-queued {len(done)} row(s): {' '.join(map(str, done)) or '-'}")
    return 0


def cmd_topics(_: argparse.Namespace) -> int:
    from relais_shared.kafka import TopicCatalogue, catalogue_path, ensure_topics
    from relais_shared.settings import RelaisSettings

    settings = RelaisSettings()
    created = asyncio.run(ensure_topics(settings.kafka_bootstrap, TopicCatalogue.load(catalogue_path())))
    print(f"topics created: {', '.join(created) or 'none (all present)'}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Each service's migrations in a process of its own (its Alembic env imports its models)."""
    import subprocess

    from relais_shared.manifest import load_manifests

    only = getattr(args, "service", None)
    for name, manifest in load_manifests().items():
        if manifest.has_database and only in (None, name):
            subprocess.run([sys.executable, "-m", "relais_shared.migrations", name], check=True)  # noqa: S603
            print(f"migrated: {name}")
    return 0


def add_ops_commands(sub: Any) -> None:
    """Adds the operator's commands to a parser's subcommands (``sub`` from ``add_subparsers``)."""
    p = sub.add_parser("migrate", help="Alembic migrations of every service, or of one")
    p.add_argument("service", nargs="?", help="only this service")
    p.set_defaults(func=cmd_migrate)
    sub.add_parser("topics", help="create the catalogue's topics").set_defaults(func=cmd_topics)
    p = sub.add_parser("dlq")
    p.add_argument("action", choices=["list", "replay"])
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--group", help="consumer group (its dead-letter topic is in contracts/topics.yaml)")
    group.add_argument("--topic", help="dead-letter topic")
    p.add_argument("--offset", type=int, action="append", help="replay only these offsets")
    p.set_defaults(func=cmd_dlq)
    p = sub.add_parser("outbox", help="outbox rows the relay parked after repeated failures")
    p.add_argument("action", choices=["parked", "show", "requeue"])
    p.add_argument("ids", type=int, nargs="*", help="outbox row ids (show: one; requeue: some, or --all)")
    p.add_argument("--service", default="referral", help="whose outbox (default: referral)")
    p.add_argument("--database-url", help="the service's database (default: its RELAIS_*_DATABASE_URL)")
    p.add_argument("--all", action="store_true", help="requeue every parked row")
    p.set_defaults(func=cmd_outbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="relais-ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_ops_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
