"""``cockpit page SESSION HANDLE|ROLE [--message TEXT] [--as HANDLE]``: page from a script or a shell.

The page goes out through the service ``[paging]`` chose, with its retries, and its outcome is
recorded either way (``page.sent``, ``ok`` false with the reason when it did not go out), so the
roster and the report know who was called and whether the call got through.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from cockpit.domain.vocabulary import ROLES
from cockpit.errors import EXIT_FAILURE, EXIT_OK, UsageError
from cockpit.paging import build_request, pager_for
from cockpit.settings import load_config
from cockpit.text import handle_problem, printable


def target_of(text: str) -> tuple[str | None, str | None]:
    """(handle, role): a role's name pages the role, anything else names a person."""
    text = text.strip()
    if text in ROLES:
        return None, text
    problem = handle_problem(text)
    if problem:
        raise UsageError(f"{printable(text, one_line=True)!r} is neither a role ({', '.join(ROLES)})"
                         f" nor a handle: {problem}")
    return text, None


def run_page(args: argparse.Namespace, open_session: Callable[..., Any],
             said_after_writing: Callable[[Any], None]) -> int:
    config = load_config(getattr(args, "config", None))
    pager = pager_for(config)
    if pager is None:
        where = config.source or "the config"
        raise UsageError(f"paging is not set up in {where}: add a [paging] table "
                         "(docs/configuration.md, \"Paging\")")
    handle, role = target_of(args.target)
    session = open_session(args.session, handle=args.handle)
    if session.state.declared_at is None:
        raise UsageError(f"{session.path} has no declared incident to page for")
    request = build_request(session.state, session=session.name, by=session.handle, handle=handle,
                            role=role, message=args.message)
    event = pager.send_now(request)
    recorded = session.record(event)
    said_after_writing(session)
    if recorded.ok:
        print(printable(f"paged {recorded.target} through {pager.name}: {recorded.detail}", one_line=True))
        return EXIT_OK
    print(printable(f"cockpit: error: the page to {recorded.target} did not go out: {recorded.detail}"
                    " (recorded as failed)", one_line=True), file=sys.stderr)
    return EXIT_FAILURE
