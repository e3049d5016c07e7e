"""The one gate for text that reaches a terminal or stdout, and what may name a person.

Text from people, files, endpoints and other seats is shown literally: escape sequences and
control characters are removed, so a hostile health-check body or a planted handle cannot move
the cursor, change colours, set the window title or write the clipboard; zero-width and
bidirectional-control characters are made visible (``alice<U+200B>``), so that what looks like
``alice`` is ``alice`` and no text runs backwards. (Textual markup is avoided separately, by
rendering such text as plain ``rich.text.Text``.)
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI sequences: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC sequences: titles, hyperlinks, clipboard
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"    # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]"                   # other two-byte escapes
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"   # C0 and C1 control characters (tab and newline kept)
)
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff]"
)
"""Zero-width, joiner, bidirectional-control, invisible-filler and tag characters."""


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` safe for a terminal: no escape sequences or control characters, invisible and
    bidi-control characters shown as ``<U+XXXX>``; newlines folded if ``one_line``."""
    cleaned = str(text)
    if not (cleaned.isascii() and cleaned.isprintable()):  # else neither pattern can match
        cleaned = INVISIBLE.sub(_visible, _ESCAPES.sub("", cleaned))
    if one_line:
        cleaned = " ".join(cleaned.split())
    return cleaned


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_LENGTH = 64


def handle_problem(handle: str) -> str | None:
    """Why ``handle`` cannot name a person, in words (None when it can): one word of visible
    characters, so that two handles that look alike are alike."""
    if not handle:
        return "a handle cannot be empty; use one word such as alice"
    if _CONTROL.search(handle):
        return "a handle cannot hold control characters or escape sequences"
    if INVISIBLE.search(handle):
        return "a handle cannot hold invisible or text-direction characters"
    if any(c.isspace() for c in handle):
        return "a handle is one word, without spaces, such as alice"
    if len(handle) > MAX_LENGTH:
        return f"a handle has at most {MAX_LENGTH} characters"
    return None
