"""Copying, honestly: the cockpit can send text to the terminal's clipboard, never confirm it.

Textual's ``copy_to_clipboard`` writes an OSC 52 sequence, which works over SSH when the terminal
honours it, and nothing comes back to say it did. So the cockpit never says "copied": it says where
the text went, and what stands in the way when it can tell. Inside tmux (``$TMUX``) it asks that
tmux server for its ``set-clipboard`` option: only ``on`` lets a program's OSC 52 through (the
default, ``external``, drops it). GNU screen (``$STY``) drops it too.

Every copy is kept as the last one, so it can be saved to a file instead (the palette's "Save the
copied text to a file", ``w`` in an opened timeline entry, ctrl+w in the update composer): a new
0600 file in ``saved/`` of the user's data folder (made 0700 when missing), whose path the toast
gives.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from textual.app import App

TMUX_TIMEOUT = 2.0
"""Seconds to wait for tmux to say its ``set-clipboard``; past that, the route is said unknown."""
_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Copied:
    """The last text sent to the clipboard, and what it was (``status update``, ``timeline entry``)."""

    what: str
    text: str


def tmux_clipboard(environ: dict[str, str] | None = None) -> str | None:
    """The ``set-clipboard`` option of the tmux server this program runs in (``on``,
    ``external``, ``off``), ``"unknown"`` when it would not say; None outside tmux."""
    environ = os.environ if environ is None else environ
    tmux = environ.get("TMUX", "")
    if not tmux:
        return None
    socket = tmux.split(",", 1)[0]
    command = ["tmux", *(["-S", socket] if socket else []), "show-options", "-gv", "set-clipboard"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TMUX_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    value = done.stdout.strip()
    return value if done.returncode == 0 and value in ("on", "external", "off") else "unknown"


def where_it_went(environ: dict[str, str] | None = None) -> str:
    """One sentence on where copied text went, and what stands in its way when known."""
    environ = os.environ if environ is None else environ
    tmux = tmux_clipboard(environ)
    if tmux == "on":
        return ("sent to the terminal's clipboard through tmux (set-clipboard on); it arrives if"
                " the terminal accepts OSC 52")
    if tmux is not None:
        setting = f"set-clipboard is {tmux} here" if tmux != "unknown" else "it would not say its set-clipboard"
        return (f"sent to the terminal's clipboard, but in tmux this needs `set-clipboard on` ({setting}):"
                " run `tmux set -g set-clipboard on`, or save it to a file")
    if environ.get("STY"):
        return "sent to the terminal's clipboard, but GNU screen usually holds it back: save it to a file"
    return ("sent to the terminal's clipboard; the cockpit cannot see whether the terminal took it:"
            " if nothing pastes, save it to a file")


def copy_text(app: App[object], text: str, what: str) -> str:
    """Send ``text`` to the clipboard, keep it as the last copy; returns where it went."""
    app.copy_to_clipboard(text)
    app.last_copy = Copied(what, text)  # type: ignore[attr-defined]
    return where_it_went()


def saved_folder() -> Path:
    from cockpit.files import make_folders
    from cockpit.paths import user_data_dir

    folder = user_data_dir() / "saved"
    make_folders(folder)
    return folder


def save_text(text: str, what: str, *, now: datetime | None = None) -> Path:
    """``text`` in a new 0600 file named after ``what`` and the time; returns its path."""
    from cockpit.files import create_private

    now = now or datetime.now(timezone.utc)
    name = _NAME.sub("-", what.lower()).strip("-") or "text"
    folder = saved_folder()
    stamp = now.strftime("%Y-%m-%dT%H-%M-%S")
    for attempt in range(100):  # two saves in one second each get their own file
        target = folder / f"{name}-{stamp}{f'-{attempt}' if attempt else ''}.txt"
        try:
            return create_private(target, (text.rstrip("\n") + "\n").encode("utf-8"))
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder} holds a hundred saves of this second already")


def save_and_say(app: App[object], text: str, what: str) -> Path | None:
    """Save ``text`` to a file and say where (or why not) in a toast."""
    try:
        path = save_text(text, what)
    except OSError as exc:
        app.notify(f"The {what} could not be saved: {exc.strerror or exc}", title="Save",
                   severity="error", markup=False)
        return None
    app.notify(f"The {what} is saved in {path}", title="Saved", markup=False, timeout=12)
    return path


def save_last_copy(app: App[object]) -> Path | None:
    """The last copied text, saved to a file; says so when nothing was copied yet."""
    copied: Copied | None = getattr(app, "last_copy", None)
    if copied is None:
        app.notify("Nothing has been copied yet.", title="Save", timeout=5)
        return None
    return save_and_say(app, copied.text, copied.what)
