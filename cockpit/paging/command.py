"""The team's own pager: a program that reads the page as JSON on its standard input.

The program is run directly (argv, never through a shell), with the page's JSON
(:meth:`PageRequest.document`, with ``kind``: ``page``) on stdin. Exit 0 means it took the page; its first line of
output, if any, is what the record says about it. Any other exit, or running past the timeout
(the program is killed then), is a failure whose words come from the first line it wrote to
stderr. A program that cannot be started fails at once, without retries.
"""

from __future__ import annotations

import asyncio
import json

from cockpit.paging.page import Delivery, PageFailed, PageRequest, said
from cockpit.settings import CommandPagerSettings

OUTPUT_LIMIT = 64 * 1024
"""What is read of the program's output: the first line is all the record keeps."""


def _first_line(data: bytes) -> str:
    text = data[:OUTPUT_LIMIT].decode("utf-8", "replace").strip()
    return said(text.splitlines()[0]) if text else ""


async def send(request: PageRequest, settings: CommandPagerSettings, *, kind: str = "page") -> Delivery:
    """Run the command once with the page on stdin. ``kind`` is ``page``, or ``acknowledge`` when
    the page was answered (the same ``dedup_key``), for a program that can stop what it started."""
    name = settings.argv[0]
    try:
        process = await asyncio.create_subprocess_exec(
            *settings.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise PageFailed(f"cannot run {said(name)}: {exc.strerror or exc}", retry=False) from None
    document = json.dumps({"kind": kind, **request.document()}, ensure_ascii=False).encode()
    try:
        out, err = await asyncio.wait_for(process.communicate(document),
                                          settings.timeout.total_seconds())
    except TimeoutError:
        process.kill()
        await process.wait()
        raise PageFailed(f"{said(name)} did not finish within {settings.timeout.total_seconds():g} s",
                         retry=True) from None
    if process.returncode != 0:
        why = _first_line(err) or _first_line(out)
        raise PageFailed(f"{said(name)} exited with {process.returncode}" + (f": {why}" if why else ""),
                         retry=True)
    return Delivery(_first_line(out) or f"{said(name)} took the page", request.dedup_key)
