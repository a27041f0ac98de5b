"""Which failures are a dependency's (wait for it) and which are the message's or the request's own.

Shared by the reliable consumer (a dependency's failure is never dead-lettered: the message comes back)
and the API (a dependency's failure is a 503 with ``Retry-After``, not a 500).
"""

from __future__ import annotations


def is_transient(exc: BaseException) -> bool:
    """Failures of a dependency rather than of the message: worth waiting for, never dead-lettered."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OSError | TimeoutError | ConnectionError | OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or _transient_code(_pg_code(exc))):
        return True
    # asyncpg's own errors when a connection is being made (not wrapped by SQLAlchemy there):
    # "the database system is starting up" (57P03), connection failures (class 08), a closed connection.
    import asyncpg

    if _transient_code(getattr(exc, "sqlstate", None)) or isinstance(
        exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError
    ):
        return True
    try:
        from temporalio.service import RPCError, RPCStatusCode

        transient_rpc = {
            RPCStatusCode.UNAVAILABLE,
            RPCStatusCode.DEADLINE_EXCEEDED,
            RPCStatusCode.RESOURCE_EXHAUSTED,
            RPCStatusCode.ABORTED,
        }
        if isinstance(exc, RPCError) and exc.status in transient_rpc:
            return True
    except ImportError:  # pragma: no cover - temporalio is a dependency of the package
        pass
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError

    return isinstance(exc, KafkaConnectionError | KafkaTimeoutError | NodeNotReadyError)


# Deadlock, serialization failure, too many connections, shutting down, cannot connect now.
TRANSIENT_SQLSTATES = {"40P01", "40001", "53300", "57P01", "57P03"}


def _transient_code(code: str | None) -> bool:
    return code is not None and (code in TRANSIENT_SQLSTATES or code.startswith("08"))


def _pg_code(exc: Exception) -> str | None:
    original = getattr(exc, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
