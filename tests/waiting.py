"""Waiting for the app under Pilot: for a condition, never for a length of time.

``pilot.pause()`` waits for the messages already queued, then for the process to look idle, but
for at most a second: on a busy machine (a full test run on two cores, a CI box) putting up a
screen, opening an incident or laying out a resize can take longer, and the assertion after the
pause then sees the screen half done. ``until`` lets the app run until what the test is about to
check holds. Its deadline is there only to end a test whose condition never comes true: it is
far beyond any slow machine and costs nothing when the condition holds at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

DEADLINE = 60.0
"""Seconds before ``until`` gives up: only reached when the awaited thing never happens."""


async def until(pilot, check: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """Let the app run until ``check()`` is true. ``check`` may raise while the screen is not
    there yet (a query finding nothing): that counts as not yet; at the deadline the failure
    says ``what`` was awaited and the last error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Exception | None = None
    await pilot.pause()
    while True:
        try:
            if check():
                return
            last = None
        except Exception as exc:  # noqa: BLE001 - "not yet", reported at the deadline
            last = exc
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                 + (f"; last error: {last!r}" if last else ""))
        await pilot.pause(0.02)


async def opened(pilot) -> None:
    """Until an app given an ``opener`` has opened the incident and dealt with the keys held
    meanwhile (or has ended, saying why it could not open): the opener runs after the first
    frame, then a worker puts the incident up, opens a typed-ahead entry and hands it its text."""
    app = pilot.app
    await until(pilot, lambda: app.incident is not None or app.open_error is not None,
                "the opener to run")
    for worker in [w for w in app.workers if w.group == "opening"]:
        await asyncio.wait_for(worker.wait(), DEADLINE)
    await pilot.pause()


async def until_said(pilot, what: str, check: Callable[[], object]) -> None:
    """``until`` with the reason first, as a test reads aloud: "until the endpoint goes down"."""
    await until(pilot, check, what)
