"""``relais``: the command line of the platform.

relais stack up|down|status      the local stack (Kafka, Temporal dev server, PostgreSQL)
relais topics create             topics of contracts/topics.yaml and their dead-letter topics
relais migrate                   every service's Alembic migrations
relais demo                      demo data of a fictional pact
relais run                       all of the above, then every service process (Ctrl-C stops all)
relais token --org ID --role R   a development token signed by the local issuer
relais dlq list|replay --group G dead letters of a consumer group (Kafka)         } also `relais-ops`,
relais outbox parked|show|requeue outbox rows the relay gave up on (PostgreSQL)  } in production images
relais contracts generate|check  event schemas, OpenAPI, AsyncAPI, topic catalogue and the generated
                                 Kubernetes manifests (deploy/kubernetes) against the code
relais kubernetes validate       the Kubernetes manifests built and checked against their schemas, offline
relais capacity                  the capacity plan (metropolis, region, country) from the bench's figures
relais new-service NAME          a new service from the template, installed, with its contracts
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from relais_dev.stack import Stack, repo_root
from relais_shared.manifest import ServiceManifest, load_manifests
from relais_shared.ops import add_ops_commands, cmd_migrate, cmd_topics


def _apply_stack_env(stack: Stack) -> None:
    for key, value in stack.env().items():
        os.environ.setdefault(key, value)


def cmd_stack(args: argparse.Namespace) -> int:
    stack = Stack()
    if args.action == "up":
        stack.up()
        _apply_stack_env(stack)
        cmd_topics(args)
        cmd_migrate(args)
    elif args.action == "down":
        began = time.monotonic()
        stack.down()
        print(f"stack down in {time.monotonic() - began:.1f}s")
    elif args.action == "clean":
        stack.clean()
        print("stack stopped and its data deleted")
    else:
        print(stack.dump_status())
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    for name, manifest in load_manifests().items():
        if manifest.demo_loader is not None:
            created = asyncio.run(manifest.demo_loader()())
            print(
                f"demo data: {name}: {created} records" if created else f"demo data: {name}: already loaded"
            )
    return 0


def write_procfile(stack: Stack, manifests: dict[str, ServiceManifest]) -> Path:
    """Every process every manifest declares (``<service>-<process>``), and the local mail sink."""
    lines = ["# Written by `relais run` from the services' manifests; honcho runs it."]
    for manifest in manifests.values():
        lines += [f"{name}: {command}" for name, command in manifest.commands().items()]
    lines.append(f"mail-sink: python -m relais_dev.mailsink --port 8025 --dir {stack.state / 'mail'}")
    procfile = stack.state / "Procfile"
    procfile.write_text("\n".join(lines) + "\n")
    return procfile


def portal_services(manifests: dict[str, ServiceManifest]) -> str:
    """The services the portal lists (``RELAIS_PORTAL_SERVICES``): every one with an API but itself."""
    return json.dumps(
        [
            {"name": m.name, "label": m.label, "url": f"http://127.0.0.1:{m.port}"}
            for m in manifests.values()
            if "api" in m.processes
        ],
        ensure_ascii=False,
    )


def banner(stack: Stack, manifests: dict[str, ServiceManifest]) -> str:
    lines = ["", "Relais est lancé / Relais is running:"]
    for manifest in manifests.values():
        url = f"http://127.0.0.1:{manifest.port}/" + ("docs" if "api" in manifest.processes else "")
        lines.append(f"  {manifest.label:<20} {url}")
    lines.append(f"  {'Temporal UI':<20} http://127.0.0.1:{stack.ports.temporal_ui}/")
    hints = [m.demo_hint() for m in manifests.values() if m.demo_hint is not None]
    lines.append(f"  {'courriels':<20} {stack.state / 'mail'}/ (une ligne par courriel ci-dessous)")
    lines.append(f"  {'jeton de démo':<20} uv run relais token --org <id> --role counsellor")
    lines += [f"  {'':<20} {hint}" for hint in hints]
    lines.append("Ctrl-C (ou `make stop`) arrête tout.")
    return "\n".join(lines) + "\n"


def cmd_run(args: argparse.Namespace) -> int:
    stack = Stack()
    stack.up()
    _apply_stack_env(stack)
    os.environ.setdefault("RELAIS_PORTAL_SERVICES", portal_services(load_manifests()))
    try:
        cmd_topics(args)
        cmd_migrate(args)
        cmd_demo(args)
        manifests = load_manifests()
        procfile = write_procfile(stack, manifests)
        print(banner(stack, manifests), flush=True)
        honcho = Path(sys.executable).parent / "honcho"
        proc = subprocess.Popen([str(honcho), "-f", str(procfile), "-d", str(repo_root()), "start"])  # noqa: S603
        (stack.state / "honcho.pid").write_text(str(proc.pid))

        def _terminate(*_: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _terminate)
        try:
            code = proc.wait()
            # `relais stop` from another terminal is a normal end, not a failure.
            return 0 if (stack.state / "stop-requested").exists() else code
        except KeyboardInterrupt:
            # honcho stops every process it started when it gets SIGTERM (Ctrl-C reaches it directly too).
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            return 0
    finally:
        (stack.state / "honcho.pid").unlink(missing_ok=True)
        (stack.state / "stop-requested").unlink(missing_ok=True)
        stack.down()


def cmd_stop(_: argparse.Namespace) -> int:
    """Stops a `relais run` from another terminal: the processes first, then the stack."""
    stack = Stack()
    pidfile = stack.state / "honcho.pid"
    if pidfile.exists():
        (stack.state / "stop-requested").touch()
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
    stack.down()
    print("stopped")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from relais_shared.auth import DevIssuer, dev_issuer_dir
    from relais_shared.settings import RelaisSettings

    settings = RelaisSettings()
    issuer = DevIssuer(dev_issuer_dir(settings.dev_issuer_dir), settings.jwt_issuer, settings.jwt_audience)
    print(issuer.token(org_id=args.org, org_kind=args.kind, roles=args.role, sub=args.sub))
    return 0


def cmd_new_service(args: argparse.Namespace) -> int:
    from relais_dev import newservice

    root = repo_root()
    try:
        folder = newservice.create(root, args.name, label=args.label, port=args.port)
    except newservice.NewServiceError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"written: {folder.relative_to(root)}/ and the workspace list (pyproject.toml)")
    if not args.no_install:
        newservice.install_and_generate(root)
        print("installed; contracts regenerated (OpenAPI, event schemas, topic catalogue)")
    print(f"next: `make run` starts it with the others; `uv run pytest services/{args.name}` tests it")
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    from relais_dev import contracts

    root = repo_root()
    if args.action == "generate":
        written = contracts.generate(root)
        print("\n".join(str(p.relative_to(root)) for p in written) or "contracts up to date")
        return 0
    problems = contracts.check(root)
    for problem in problems:
        print(problem)
    print("contracts: OK" if not problems else f"contracts: {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_kubernetes(_: argparse.Namespace) -> int:
    from relais_dev import kubeschemas

    failed = 0
    for overlay, code, output in kubeschemas.validate(repo_root()):
        print(f"{overlay}: {output.strip().splitlines()[-1] if output.strip() else code}")
        if code != 0:
            failed += 1
            print(output)
    return 1 if failed else 0


def cmd_capacity(args: argparse.Namespace) -> int:
    from relais_dev import capacity

    bench = capacity.BenchFigures.load(args.bench or capacity.bench_path(repo_root()))
    targets = list(capacity.TARGETS.values())
    if args.peak is not None:
        targets.append(capacity.Target("custom", args.jobseekers, args.referrals_per_year, args.peak))
    print(capacity.render([capacity.plan(target, bench) for target in targets], bench), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="relais", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stack")
    p.add_argument("action", choices=["up", "down", "status", "clean"])
    p.set_defaults(func=cmd_stack)
    sub.add_parser("demo").set_defaults(func=cmd_demo)
    sub.add_parser("run").set_defaults(func=cmd_run)
    sub.add_parser("stop").set_defaults(func=cmd_stop)
    p = sub.add_parser("token")
    p.add_argument("--org", required=True, help="organisation id (UUID)")
    p.add_argument("--role", action="append", required=True)
    p.add_argument("--kind", default="france_travail", help="organisation kind")
    p.add_argument("--sub", default=None)
    p.set_defaults(func=cmd_token)
    add_ops_commands(sub)
    p = sub.add_parser("new-service", help="a new service from the template")
    p.add_argument("name", help="lowercase letters and digits, e.g. mobility")
    p.add_argument("--label", help="its French label in the portal")
    p.add_argument("--port", type=int, help="its API port (default: the next free one after the others)")
    p.add_argument("--no-install", action="store_true", help="write the files only")
    p.set_defaults(func=cmd_new_service)
    p = sub.add_parser("contracts")
    p.add_argument("action", choices=["generate", "check"])
    p.set_defaults(func=cmd_contracts)
    p = sub.add_parser("kubernetes", help="deploy/kubernetes built and validated (kustomize, kubeconform)")
    p.add_argument("action", choices=["validate"])
    p.set_defaults(func=cmd_kubernetes)
    p = sub.add_parser("capacity", help="the capacity plan derived from bench/results/latest.json")
    p.add_argument("--bench", type=Path, help="a bench result (default: bench/results/latest.json)")
    p.add_argument("--peak", type=float, help="a target of your own: peak referrals per second")
    p.add_argument("--jobseekers", type=int, default=0, help="with --peak: jobseekers followed")
    p.add_argument("--referrals-per-year", type=int, default=0, help="with --peak: referrals a year")
    p.set_defaults(func=cmd_capacity)
    args = parser.parse_args(argv)
    if args.command in {"dlq", "outbox"}:  # the operator's commands, aimed at the local stack
        _apply_stack_env_file(Stack())
    return int(args.func(args))


def _apply_stack_env_file(stack: Stack) -> None:
    """The addresses and database URLs of a stack that is up (``stack.env``), unless already set."""
    env_file = stack.state / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                os.environ.setdefault(key, value)


if __name__ == "__main__":
    sys.exit(main())
