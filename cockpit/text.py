"""Making text from people and endpoints safe to show in a terminal.

User and endpoint text is shown literally: escape sequences and control characters are removed
so a hostile health-check body cannot move the cursor, change colours or set the window title.
(Textual markup is avoided separately, by rendering such text as plain ``rich.text.Text``.)
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


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` without escape sequences or control characters; newlines folded if ``one_line``."""
    cleaned = _ESCAPES.sub("", text)
    if one_line:
        cleaned = " ".join(cleaned.split())
    return cleaned
