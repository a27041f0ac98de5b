"""Every line a process logs is one JSON object with a level, the libraries' too, and a library that
repeats itself during an outage is held back to one line per window, with the count of repeats."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from relais_shared.telemetry import RepeatFilter, configure_logging


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """The process's logging as configured, its standard output read from a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("probe-test")
    buffer = io.StringIO()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers, root.level = saved
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_library_repeating_itself_during_an_outage_is_one_structured_line_per_window(
    configured: io.StringIO,
) -> None:
    library = logging.getLogger("aiokafka.conn")
    for _ in range(1000):
        library.warning("Unable to connect to %s", "127.0.0.1:19092")
    [line] = lines(configured)
    assert line["level"] == "warning" and line["logger"] == "aiokafka.conn"
    assert line["msg"] == "Unable to connect to 127.0.0.1:19092" and line["process"] == "probe-test"

    [repeat_filter] = [f for f in logging.getLogger().handlers[0].filters if isinstance(f, RepeatFilter)]
    repeat_filter.window_s = 0  # the window has passed
    library.warning("Unable to connect to %s", "127.0.0.1:19092")
    [again] = lines(configured)
    assert again["repeated"] == 999


def test_our_own_repeated_lines_are_never_held_back(configured: io.StringIO) -> None:
    ours = logging.getLogger("relais_shared.outbox")
    for _ in range(3):
        ours.warning("outbox row failed")
    assert [line["msg"] for line in lines(configured)] == ["outbox row failed"] * 3
