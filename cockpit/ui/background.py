"""Work that must not hold the screen: run in a daemon thread and awaited on the event loop.

Reading and folding a big session takes seconds of pure Python; on the loop it would freeze keys
and resizes, and in a pool thread it would make ctrl+q wait for it at exit. A daemon thread lets
the screen answer meanwhile, and the process end at once when the person quits.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def in_background(work: Callable[[], T]) -> T:
    """``work()`` in a daemon thread, awaited: the screen answers keys meanwhile, and ctrl+q ends
    the process at once instead of waiting for a big session's fold to finish."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():  # the app quit meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def run() -> None:
        value, error = None, None
        try:
            value = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting opener
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app has ended
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=run, name="cockpit-open", daemon=True).start()
    return await future
