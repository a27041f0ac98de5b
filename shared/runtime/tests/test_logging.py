"""Every line a process logs is one JSON object with a level, the libraries' lines too; a library that
repeats itself (aiokafka during a broker outage) is held to one line per window with the count of the
lines held back; an exception is logged by its type and place, never by its message."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from relais_shared.telemetry import RepeatFilter, configure_logging, get_logger

# Loggers configure_logging changes, restored after each test (the test process's logging is global).
TOUCHED = ("", "faststream", "uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "kafka", "temporalio")


class Output:
    """The process's standard output as configure_logging writes it, read as JSON lines."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def configure(self) -> None:
        """Called by the test itself: the handler writes to the sys.stdout of the test's call."""
        import faststream  # noqa: F401 - installs its own text handler on import, as in the consumer

        configure_logging("probe-test")

    def lines(self) -> list[dict[str, object]]:
        text = self.capsys.readouterr().out
        return [json.loads(line) for line in text.splitlines()]  # fails on any line that is not JSON

    @property
    def limiter(self) -> RepeatFilter:
        [handler] = logging.getLogger().handlers
        [limiter] = [f for f in handler.filters if isinstance(f, RepeatFilter)]
        return limiter


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Output]:
    saved = {name: logging.getLogger(name) for name in TOUCHED}
    state = {name: (logger.handlers[:], logger.level, logger.propagate) for name, logger in saved.items()}
    try:
        yield Output(capsys)
    finally:
        for name, (handlers, level, propagate) in state.items():
            saved[name].handlers, saved[name].level, saved[name].propagate = handlers, level, propagate
        logging.captureWarnings(False)
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def test_a_library_repeating_a_line_during_an_outage_writes_it_once_per_window_with_the_count(
    output: Output,
) -> None:
    output.configure()
    aiokafka = logging.getLogger("aiokafka.conn")
    for attempt in range(3700):  # what a 17 s broker outage wrote
        aiokafka.warning("Unable to connect to %s (attempt %d)", "127.0.0.1:19092", attempt)
    [line] = output.lines()
    assert line["level"] == "warning"
    assert line["logger"] == "aiokafka.conn"
    assert line["process"] == "probe-test"
    assert line["msg"] == "Unable to connect to 127.0.0.1:19092 (attempt 0)"
    assert "timestamp" in line

    output.limiter.window_s = 0  # the window has passed
    aiokafka.warning("Unable to connect to %s (attempt %d)", "127.0.0.1:19092", 3700)
    [next_line] = output.lines()
    assert next_line["repeated"] == 3699


def test_different_lines_of_a_library_are_each_let_through(output: Output) -> None:
    output.configure()
    logging.getLogger("aiokafka.conn").warning("Unable to connect to %s", "127.0.0.1:19092")
    logging.getLogger("aiokafka.consumer").error("Heartbeat failed")
    assert [line["msg"] for line in output.lines()] == [
        "Unable to connect to 127.0.0.1:19092",
        "Heartbeat failed",
    ]


def test_relais_own_lines_are_never_held_back(output: Output) -> None:
    output.configure()
    for _ in range(3):
        get_logger("relais_shared.outbox").warning("outbox row failed", outbox_id=7)
        logging.getLogger("relais_shared.outbox").warning("outbox row failed")
    lines = output.lines()
    assert [line["msg"] for line in lines] == ["outbox row failed"] * 6
    assert all(line["level"] == "warning" for line in lines)


def test_faststream_and_uvicorn_lines_are_json_with_a_level_not_their_own_text(output: Output) -> None:
    output.configure()
    logging.getLogger("faststream").warning("FastStream app shutting down")
    logging.getLogger("uvicorn.error").error("Invalid HTTP request received.")
    lines = output.lines()
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("faststream", "warning"),
        ("uvicorn.error", "error"),
    ]
    assert not logging.getLogger("faststream").handlers  # its own text handler is gone


def test_an_exception_is_logged_by_type_and_place_never_by_message(output: Output) -> None:
    output.configure()

    def insert() -> None:
        raise ValueError("INSERT INTO jobseekers VALUES ('Dupont', 'Inès', '2005-03-14')")

    try:
        try:
            insert()
        except ValueError as exc:
            raise RuntimeError("statement failed: 'Dupont'") from exc
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        get_logger("relais_shared.problems").exception("unexpected error")
    library, ours = output.lines()
    for line in (library, ours):
        assert "Dupont" not in json.dumps(line)
        assert str(line["exception"]).startswith("builtins.RuntimeError at test_logging.py:")
        assert "caused by builtins.ValueError at test_logging.py:" in str(line["exception"])
        assert "insert" in str(line["exception"])
