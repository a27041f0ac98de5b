"""A new service is its own folder and a line in the workspace list: `relais new-service` makes one in a
scratch copy of the repository, `make run` starts it with the rest of the platform (its database,
migrations, API, consumer, relay and worker), and its own generated tests pass against that stack."""

from __future__ import annotations

import filecmp
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from relais_dev.stack import repo_root
from relais_dev.testing import free_port
from relais_shared.manifest import load_manifests

pytestmark = pytest.mark.integration
NAME = "mobility"
ALLOWED_OUTSIDE = {"pyproject.toml", "uv.lock"}  # the workspace list and its lock
# Built or fetched once per checkout, shared with the copy instead of fetched again.
SHARED_BUILDS = (
    "deploy/kafka/target",
    "deploy/tools/node_modules",
    "deploy/kubernetes/tools/bin",
    "deploy/kubernetes/tools/schemas",
)


def tracked_files(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


SKIPPED = {
    ".venv",
    ".relais",
    "__pycache__",
    "node_modules",
    "target",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


def files_of(root: Path) -> list[str]:
    """The copy's source files (no virtualenv, stack state, caches or builds)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED and not d.startswith(".hypothesis")]
        found += [str((Path(folder) / f).relative_to(root)) for f in files]
    return found


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root, target = repo_root(), tmp_path / "relais"
    for name in tracked_files(root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target / name)
    for build in SHARED_BUILDS:
        if (root / build).exists():
            (target / build).symlink_to(root / build, target_is_directory=True)
    return target


@pytest.fixture
def env(copy: Path) -> dict[str, str]:
    """A stack of the copy's own (state, ports), every API on a free port: nothing shared with ours."""
    values = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RELAIS_") and key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    values.update(
        RELAIS_STATE=str(copy / ".relais"),
        RELAIS_KAFKA_PORT=str(free_port()),
        RELAIS_KAFKA_CONTROLLER_PORT=str(free_port()),
        RELAIS_TEMPORAL_PORT=str(free_port()),
        RELAIS_TEMPORAL_UI_PORT=str(free_port()),
        RELAIS_PG_PORT=str(free_port()),
        RELAIS_PG_FSYNC="off",
    )
    for service in [*load_manifests(), NAME]:
        values[f"RELAIS_{service.upper()}_API_PORT"] = str(free_port())
    return values


# A guard against a hung command, not a speed check: with five services, the copy's own tests took
# 277 s alone on a loaded two-core machine, and ran past 300 s under load average 16.
def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our loopback server
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture
def running(copy: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`make run` in the copy, stopped by `relais stop` (and by pid if need be) whatever happens."""
    log = (copy / "make-run.log").open("wb")
    proc = subprocess.Popen(
        ["make", "run"], cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        subprocess.run(
            ["uv", "run", "--locked", "relais", "stop"], cwd=copy, env=env, capture_output=True, timeout=120
        )
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_a_generated_service_runs_under_make_run_and_passes_its_own_tests(
    copy: Path, env: dict[str, str], request: pytest.FixtureRequest
) -> None:
    pristine = set(files_of(copy))
    run(["uv", "sync", "--locked", "--quiet"], copy, env)
    out = run(["uv", "run", "--locked", "relais", "new-service", NAME, "--label", "Mobilité"], copy, env)
    assert "installed; contracts regenerated" in out

    # What changed outside the service's folder: the workspace list, generated contracts and the
    # Kubernetes manifests generated with them (its Deployments appear without a hand-written line).
    root = repo_root()
    changed = {
        name
        for name in files_of(copy)
        if name not in pristine or not filecmp.cmp(copy / name, root / name, shallow=False)
    }
    outside = {n for n in changed if not n.startswith(f"services/{NAME}/") and n != "make-run.log"}
    generated = (
        "contracts/",
        "deploy/kubernetes/base/generated/",
        "deploy/kubernetes/overlays/dev/generated/",
    )
    assert {n for n in outside if not n.startswith(generated)} <= ALLOWED_OUTSIDE, outside
    assert f"deploy/kubernetes/base/generated/{NAME}.yaml" in changed
    assert any(n.startswith(f"services/{NAME}/src/relais_{NAME}/") for n in changed)

    # The copy's own checks of the new service: lint, type check, contracts.
    run(["uv", "run", "--locked", "ruff", "check", f"services/{NAME}"], copy, env)
    run(["uv", "run", "--locked", "ruff", "format", "--check", f"services/{NAME}"], copy, env)
    run(["uv", "run", "--locked", "mypy", f"services/{NAME}/src"], copy, env)
    run(["uv", "run", "--locked", "relais", "contracts", "check"], copy, env)

    running = request.getfixturevalue("running")
    api = f"http://127.0.0.1:{env[f'RELAIS_{NAME.upper()}_API_PORT']}"
    portal = f"http://127.0.0.1:{env['RELAIS_PORTAL_API_PORT']}"
    deadline = time.monotonic() + 240
    while get(f"{api}/ready")[0] != 200:
        assert running.poll() is None, (copy / "make-run.log").read_text()[-3000:]
        assert time.monotonic() < deadline, (copy / "make-run.log").read_text()[-3000:]
        time.sleep(1)
    status, page = get(f"{portal}/")
    assert status == 200 and "Mobilité" in page
    log = (copy / "make-run.log").read_text()
    for process in ("api", "consumer", "relay", "worker"):
        assert f"{NAME}-{process}.1 started" in log
    assert f"migrated: {NAME}" in log

    # Its own generated tests, unit and end to end, against the copy's running stack.
    stack_env = dict(
        line.split("=", 1)
        for line in (copy / ".relais" / "stack.env").read_text().splitlines()
        if "=" in line
    )
    out = run(
        ["uv", "run", "--locked", "pytest", "-q", "-p", "no:cacheprovider", f"services/{NAME}"],
        copy,
        {**env, **stack_env},
    )
    assert " passed" in out and "failed" not in out
