"""One OpenTelemetry and logging setup call per process, named ``<service>-<process>``.

Exporters: OTLP over HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; a JSON-lines file when
``RELAIS_TRACE_FILE`` is set (used by end-to-end tests to follow one trace across processes);
nothing otherwise. Logs are JSON lines with a level and trace ids, the libraries' too (rate-limited), and
never carry personal data: exceptions are logged by type and place, never by message.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import MutableMapping, Sequence
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

_configured: TracerProvider | None = None


class JsonLinesSpanExporter(SpanExporter):
    """Appends one JSON object per finished span; safe for several processes writing one file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            if ctx is None:
                continue
            lines.append(
                json.dumps(
                    {
                        "name": span.name,
                        "service": span.resource.attributes.get("service.name"),
                        "trace_id": format(ctx.trace_id, "032x"),
                        "span_id": format(ctx.span_id, "016x"),
                        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                        "kind": str(span.kind),
                    }
                )
            )
        with self._lock, open(self._path, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS


def setup_telemetry(service: str, process: str, *, trace_file: str | None = None) -> TracerProvider:
    global _configured
    if _configured is not None:
        return _configured
    provider = TracerProvider(resource=Resource.create({"service.name": f"{service}-{process}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace_file = trace_file or os.environ.get("RELAIS_TRACE_FILE")
    if trace_file:
        # A batch processor exports from its own thread: never inside Temporal's workflow sandbox.
        provider.add_span_processor(
            BatchSpanProcessor(JsonLinesSpanExporter(trace_file), schedule_delay_millis=200)
        )
    trace.set_tracer_provider(provider)
    configure_logging(f"{service}-{process}")
    _configured = provider
    return provider


def _add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event["trace_id"] = format(ctx.trace_id, "032x")
        event["span_id"] = format(ctx.span_id, "016x")
    return event


class RepeatFilter(logging.Filter):
    """Lets the same line of a library through at most once per ``window_s`` seconds.

    During a broker outage aiokafka repeats one warning thousands of times: the first line says what
    happens, the next one let through after the window says how many were held back (``repeated``).
    Lines are the same when their logger, level and message template are (arguments may differ: the
    attempt number, a port). Relais's own loggers are never held back.
    """

    MAX_KEYS = 1000  # messages formatted before logging (no template) must not grow the table forever

    def __init__(self, window_s: float = 30.0) -> None:
        super().__init__()
        self.window_s = window_s
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("relais"):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last, held = self._seen.get(key, (float("-inf"), 0))
            if now - last < self.window_s:
                self._seen[key] = (last, held + 1)
                return False
            if len(self._seen) >= self.MAX_KEYS:
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window_s}
            self._seen[key] = (now, 0)
        if held:
            record.repeated = held
        return True


def _library_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A library's line (a standard ``logging`` record) says which logger wrote it and its repeats."""
    record = event.get("_record")
    if record is not None:
        event["logger"] = record.name
        if getattr(record, "repeated", 0):
            event["repeated"] = record.repeated
    return event


def _exception_without_message(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """An exception is logged by its types and where it happened, never by its message: a database
    error's message names the values of the statement that failed (a person's name, birth date)."""
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        exc_info = sys.exc_info()
    exc = exc_info if isinstance(exc_info, BaseException) else exc_info[1]
    if exc is None:
        return event
    chain: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and len(chain) < 5:
        seen.add(id(exc))
        frames = traceback.extract_tb(exc.__traceback__)[-4:]
        at = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
        chain.append(f"{type(exc).__module__}.{type(exc).__qualname__}" + (f" at {at}" if at else ""))
        exc = exc.__cause__ or exc.__context__
    event["exception"] = " caused by ".join(chain)
    return event


# Libraries that install handlers of their own (plain text, no level for some) and stop propagation:
# their lines go through the root handler like every library's.
_OWN_HANDLERS = ("faststream", "faststream.access", "uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(process_name: str, level: int = logging.INFO, *, repeat_window_s: float = 30.0) -> None:
    """Every line of the process is one JSON object with a level: Relais's own (structlog) and the
    libraries' (aiokafka, FastStream, Temporal, uvicorn: standard ``logging``), the latter rate-limited
    by :class:`RepeatFilter`."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        _add_trace_ids,
    ]
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, _library_fields],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _exception_without_message,
                structlog.processors.EventRenamer("msg"),
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    handler.addFilter(RepeatFilter(repeat_window_s))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in _OWN_HANDLERS:
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True
    for noisy in ("aiokafka", "kafka", "temporalio", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # Python warnings of libraries, as lines of the "py.warnings" logger
    structlog.configure(
        processors=[
            *shared,
            _exception_without_message,
            structlog.processors.EventRenamer("msg"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(process=process_name)


def current_trace_headers() -> dict[str, str]:
    """The W3C trace context of the current span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
