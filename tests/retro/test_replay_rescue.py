"""A retro note the disk refuses is kept: retried while replay runs, rescued beside the session
when it ends, never lost."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.retro.replay import SavedSession
from cockpit.seat import Notice


def _fill(folder) -> None:
    with open(folder / "filler", "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)


def test_a_retro_note_the_disk_refuses_is_rescued_when_replay_ends(make_session, small_disk, clock):
    live = make_session(path=small_disk / "incident.toml")
    live.record(ev.StatusChanged(status="resolved"))
    _fill(small_disk)
    with contextlib.suppress(JournalWriteError):  # use up the slack in the file's last page
        while True:
            live.record(ev.NoteAdded(text="filling the disk " * 8))
    live.waiting.clear()
    live.close()
    saved = SavedSession.read(live.path, handle="carol", clock=clock)
    seat = saved.seat()
    told: list[Notice] = []
    seat.say = told.append
    about = saved.events[-1].at - timedelta(minutes=1)
    assert seat.record(ev.RetroNote(text="we got lucky with the replica", about=about)) is None
    assert told[-1].title == "Not saved yet"
    ended: list[Notice] = []
    saved.close(say=ended.append)  # still full: the rescue goes to the next folder that takes it
    rescue = Path(ended[-1].text.rsplit(" they are in ", 1)[1])
    assert rescue.name.startswith("incident.toml.unsaved-")
    [kept] = [json.loads(line) for line in rescue.read_text().splitlines()]
    assert kept["kind"] == "retro.note" and kept["text"] == "we got lucky with the replica"
    assert kept["by"] == "carol" and str(rescue) in ended[-1].text
    assert rescue.stat().st_mode & 0o777 == 0o600
    rescue.unlink()
