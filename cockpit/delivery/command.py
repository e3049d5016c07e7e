"""The team's own program: it gets the update's text on its standard input.

Run directly (argv, never through a shell), with ``COCKPIT_UPDATE_AUDIENCE``,
``COCKPIT_UPDATE_SEQ`` and ``COCKPIT_INCIDENT_STATUS`` in its environment. Exit 0 is delivered,
its first line of output what the record says; any other exit, or running past the timeout (it is
killed then), is a failure in the words of the first line it wrote to stderr. A program that
cannot be started fails at once, without retries.
"""

from __future__ import annotations

import asyncio
import os

from cockpit.delivery.attempt import NotSent, Sent, Update, said
from cockpit.settings import CommandDestination

OUTPUT_LIMIT = 64 * 1024


def _first_line(data: bytes) -> str:
    text = data[:OUTPUT_LIMIT].decode("utf-8", "replace").strip()
    return said(text.splitlines()[0]) if text else ""


async def send(update: Update, destination: CommandDestination) -> Sent:
    name = said(destination.command[0])
    timeout = destination.timeout.total_seconds()
    env = {**os.environ, "COCKPIT_UPDATE_AUDIENCE": update.audience,
           "COCKPIT_UPDATE_SEQ": str(update.seq), "COCKPIT_INCIDENT_STATUS": update.status}
    try:
        process = await asyncio.create_subprocess_exec(
            *destination.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True, env=env)
    except OSError as exc:
        raise NotSent(f"cannot run {name}: {said(exc.strerror or str(exc))}", final=True) from None
    try:
        out, err = await asyncio.wait_for(process.communicate(update.text.encode("utf-8")), timeout)
    except (TimeoutError, asyncio.CancelledError) as exc:
        process.kill()
        await process.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise NotSent(f"{name} did not finish within {timeout:g} s") from None
    if process.returncode != 0:
        why = _first_line(err) or _first_line(out)
        raise NotSent(f"{name} exited with {process.returncode}" + (f": {why}" if why else ""))
    return Sent(_first_line(out) or f"{name} exited with 0")
