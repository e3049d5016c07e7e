"""Copying a timeline entry in a real terminal: with tmux's ``set-clipboard on`` the entry lands
in tmux's clipboard and the cockpit says it went through tmux; with the default ``external`` it
never arrives, and the cockpit says so and how to fix it, instead of claiming a copy."""

from __future__ import annotations

import re
import shlex
import sys

from cockpit.domain import events as ev
from tests.terminal import Terminals, program_env


def flat(screen: str) -> str:
    """The screen's words in one line: a toast wraps its sentence over several rows."""
    return " ".join(re.sub(r"[▎▊│┃▌]", " ", screen).split())


def test_copying_an_entry_says_what_tmux_does_with_it(make_session, terminals: Terminals):
    session = make_session()
    session.record(ev.NoteAdded(text="fail over to eu-west", tag="decision", by="bob"))
    session.close()
    terminals.start("idle", "sleep 600")  # the server's options, set before the cockpit runs
    terminals.run("set-option", "-g", "set-clipboard", "on")
    command = shlex.join([sys.executable, "-m", "cockpit", "open", str(session.path), "--as", "alice"])
    terminals.start("lead", f"{program_env()} {command}", size=(80, 24))  # one pane at a time
    terminals.wait_for("lead", "Checkout API returning 500s", timeout=30)
    terminals.press_until("lead", "6", "configured: protocol major-incident")  # the Timeline tab
    terminals.keys("lead", "End", "Up", "Up", "Enter")  # the decision: then the step it closed, the seat
    terminals.wait_for("lead", "c copy · w save to a file", timeout=30)
    terminals.keys("lead", "c")
    terminals.wait_for("lead", lambda s: "through tmux (set-clipboard on)" in flat(s), timeout=30,
                       what="the toast: through tmux")
    terminals.wait_until("the entry in tmux's clipboard",
                         lambda: "decision: fail over to eu-west" in terminals.run("show-buffer"))
    assert "· bob · note.added (decision)" in terminals.run("show-buffer")

    terminals.run("delete-buffer")
    terminals.run("set-option", "-g", "set-clipboard", "external")
    terminals.keys("lead", "c")
    terminals.wait_for("lead", lambda s: "(set-clipboard is external here)" in flat(s), timeout=30,
                       what="the toast: set-clipboard is external")
    assert "needs `set-clipboard on`" in flat(terminals.screen("lead"))
    assert terminals.run("list-buffers") == ""  # tmux held it back, as the cockpit said
    terminals.keys("lead", "Escape", "C-q")
