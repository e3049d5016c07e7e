"""The other processes of bench/terminal.py's append figure, each run as its own process.

``python bench/wire/peers.py append SESSION``: for each line read on stdin, appends it as a note
the way ``cockpit log`` does (``Session.record``: lock, read what others wrote, write, fsync)
and prints ``time.monotonic()`` once the append has returned. One long-lived process, so each
figure is the append itself and not the start of a Python interpreter.

``python bench/wire/peers.py reread SESSION``: the reference. Re-reads the file every millisecond
and prints each appended note's text with the monotonic time it was noticed: what following the
file costs when nothing but reading stands between the append and the reader.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

NOTE_TEXT = re.compile(rb'^text = "(append [^"]*)"$', re.MULTILINE)


def append(path: str) -> None:
    from cockpit.domain.events import NoteAdded
    from cockpit.session import Session

    session = Session.open(path, handle="bob")
    print("ready", flush=True)
    for line in sys.stdin:
        session.record(NoteAdded(text=line.strip()))
        print(time.monotonic(), flush=True)


def reread(path: str) -> None:
    seen = len(Path(path).read_bytes())
    print("ready", flush=True)
    while True:
        data = Path(path).read_bytes()
        noticed = time.monotonic()
        if len(data) > seen:
            for match in NOTE_TEXT.finditer(data, seen):
                print(match.group(1).decode(), noticed, flush=True)
            seen = len(data)
        time.sleep(0.001)


if __name__ == "__main__":
    {"append": append, "reread": reread}[sys.argv[1]](sys.argv[2])
