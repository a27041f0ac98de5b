"""Helpers for the project's own tests (never used by the product)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

RETRYABLE: tuple[type[BaseException], ...] = (OSError,)


async def eventually(
    check: Callable[[], Awaitable[Any]],
    what: str,
    timeout: float = 60,  # noqa: ASYNC109 - a polling budget, not a cancellation
    retry_on: tuple[type[BaseException], ...] = (),
) -> Any:
    """Polls ``check`` until it returns something truthy; fails the test with ``what`` after ``timeout``."""
    import pytest

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
        except (*RETRYABLE, *retry_on):  # not there yet
            result = None
        if result:
            return result
        await asyncio.sleep(0.3)
    pytest.fail(f"{what}: not reached within {timeout}s")
