"""What no handler answers is still a problem+json, on a real uvicorn process: an unexpected error is a
500 logged by its type and place (never its message) and the kept-alive connection stays usable; a
dependency that is down is a 503 with Retry-After, logged once however many requests it fails."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from relais_dev.testing import free_port

PROBE = Path(__file__).with_name("probe_api.py")
IDENTITY = "Dupont-Probe"


class ProbeApi:
    def __init__(self, url: str, log: Path, start: int = 0) -> None:
        self.url, self.log, self.start = url, log, start

    def lines(self) -> list[dict[str, object]]:
        """Every line the process wrote since this test began, each of which must be a JSON object."""
        with self.log.open("rb") as written:
            written.seek(self.start)
            return [json.loads(line) for line in written.read().decode().splitlines()]


@pytest.fixture(scope="module")
def probe_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeApi]:
    """One uvicorn process for the module (starting one costs a second)."""
    tmp_path = tmp_path_factory.mktemp("probe")
    port = free_port()
    log = tmp_path / "probe-api.log"
    env = {"RELAIS_DEV_ISSUER_DIR": str(tmp_path / "issuer"), "PATH": "/usr/bin:/bin"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(PROBE), str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    api = ProbeApi(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{api.url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield api
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def probe(probe_process: ProbeApi) -> ProbeApi:
    """The module's process, its log read from where this test begins."""
    return ProbeApi(probe_process.url, probe_process.log, probe_process.log.stat().st_size)


def test_an_unexpected_error_is_a_500_problem_and_the_kept_alive_connection_stays_usable(
    probe: ProbeApi,
) -> None:
    with httpx.Client(base_url=probe.url) as client:
        before = client.get("/peer")
        failed = client.get("/boom")
        after = client.get("/peer")
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["type"].endswith("/internal-error")
    assert failed.headers.get("connection") != "close"
    assert IDENTITY not in failed.text
    # The same connection (the server sees the same client port) served the request after the error.
    assert after.status_code == 200
    assert after.json()["port"] == before.json()["port"]


def test_an_unexpected_error_is_logged_by_type_and_place_without_its_message(probe: ProbeApi) -> None:
    with httpx.Client(base_url=probe.url) as client:
        assert client.get("/boom").status_code == 500
    time.sleep(0.2)  # let the process write its line
    lines = probe.lines()  # every line is JSON
    [logged] = [line for line in lines if line.get("msg") == "unexpected error answered 500"]
    assert logged["level"] == "error"
    assert logged["error"] == "RuntimeError"
    assert "probe_api.py" in str(logged["at"]) and "boom" in str(logged["at"])
    assert logged["route"] == "/boom"
    assert IDENTITY not in probe.log.read_text()
    assert "Traceback" not in probe.log.read_text()


def test_a_dependency_that_is_down_is_a_503_with_retry_after_logged_once(probe: ProbeApi) -> None:
    with httpx.Client(base_url=probe.url) as client:
        answers = [client.get("/database-down") for _ in range(20)]
        assert client.get("/health").status_code == 200  # and the connection still serves
    assert {answer.status_code for answer in answers} == {503}
    assert {answer.headers["retry-after"] for answer in answers} == {"5"}
    assert {answer.json()["type"] for answer in answers} == {
        "https://relais.example.org/problems/service-unavailable"
    }
    assert answers[0].json()["title_en"] == "Service temporarily unavailable, retry in a few seconds"
    time.sleep(0.2)
    outage = [
        line for line in probe.lines() if str(line.get("msg", "")).startswith("a dependency is unavailable")
    ]
    assert len(outage) == 1
    assert outage[0]["cause"] == "ConnectionRefusedError" and outage[0]["level"] == "error"
    assert IDENTITY not in probe.log.read_text()


def test_a_method_the_path_does_not_have_is_a_405_problem_listing_the_allowed_ones(probe: ProbeApi) -> None:
    response = httpx.delete(f"{probe.url}/peer")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://relais.example.org/problems/method-not-allowed"
    assert response.headers["allow"] == "GET"


def test_a_body_that_is_not_utf8_is_relais_bad_request_problem(probe: ProbeApi) -> None:
    response = httpx.post(
        f"{probe.url}/echo", content=b'{"name": "In\xe8s"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://relais.example.org/problems/bad-request"
