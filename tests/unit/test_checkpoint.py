"""Checkpoints: a big session opens from its tail, and is never trusted when the file changed.

Every test compares what a checkpointed open shows with what folding the whole file shows, which
is the only truth: a checkpoint may make opening faster, never different.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit import checkpoint
from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.domain.state import fold
from cockpit.journal import Journal, JournalError
from cockpit.folding import fold_key
from cockpit.session import Session, new_incident
from cockpit.settings import Config, load_protocol
from cockpit.listing import list_sessions
from cockpit.tomlfmt import event_block

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)


def big_session(path: Path, count: int = 900, title: str = "Checkout API returning 500s") -> Path:
    """A session well past ``WORTH_KEEPING``: notes, health changes and recurring steps."""
    session = new_incident(config=Config(), protocol=load_protocol("major-incident"), title=title,
                           severity="SEV2", path=path, clock=ManualClock(T0))
    session.close()
    blocks, at = [], T0
    for seq in range(4, count + 4):
        at += timedelta(seconds=2)
        if seq % 3 == 0:
            record = {"kind": "note.added", "by": "bob", "text": f"checked shard {seq:05}", "tag": "note"}
        elif seq % 3 == 1:
            record = {"kind": "health.changed", "by": "health", "endpoint": f"svc-{seq % 7}",
                      "from": "up", "to": "degraded" if seq % 2 else "up", "detail": "812 ms"}
        else:
            record = {"kind": "step.done", "by": "alice", "step": "time-callout"}
        blocks.append(event_block({"at": at, **record, "seq": seq}))
    with path.open("ab") as handle:
        handle.write(b"".join(blocks))
    assert path.stat().st_size > checkpoint.WORTH_KEEPING
    return path


def truth(path: Path) -> Session:
    """The session folded from every byte, no checkpoint consulted."""
    journal = Journal(path)
    loaded = journal.load()
    events = sorted((ev.parse_event(r) for r in loaded.events), key=fold_key)
    session = Session(journal, loaded.header, ManualClock(T0))
    session.state = fold(events)
    return session


def opened(path: Path, **options: object) -> Session:
    return Session.open(path, clock=ManualClock(T0), read_only=True, **options)  # type: ignore[arg-type]


def test_a_second_open_folds_only_the_tail_and_shows_the_same(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    first = opened(path)
    assert checkpoint.location(path, "state").exists(), "the first open keeps a checkpoint"
    assert len(first.in_memory) == first.state.event_count  # it read everything itself

    writer = Session.open(path, clock=ManualClock(T0 + timedelta(hours=2)), handle="carol")
    writer.record(ev.NoteAdded(text="rolled back deploy 2026.11.27-3", tag="decision"))
    writer.close()

    again = opened(path, keep_events=False)
    kept, tail = again.in_memory[:-2], again.in_memory[-2:]
    assert [e.kind for e in tail] == ["note.added", "step.done"], \
        "only what came after the checkpoint (the decision, and the step it closed) is read"
    everything = sorted((ev.parse_event(r) for r in Journal(path).load().events), key=fold_key)
    assert [e.seq for e in kept] == [e.seq for e in everything[-2 - checkpoint.RECENT_KEPT:-2]], \
        "the checkpoint's newest events are at hand: a screen shows them before reading the rest"
    assert again.state == truth(path).state
    assert again.state.notes[-1].text == "rolled back deploy 2026.11.27-3"
    assert again.newest is not None and again.newest.seq == again.state.last_seq
    assert [e.seq for e in again.events] == [e.seq for e in opened(path).events]  # read on use
    assert again.events == sorted(again.events, key=fold_key)


def test_an_edited_event_of_the_same_length_is_noticed(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    data = path.read_bytes()
    edited = data.replace(b"checked shard 00012", b"CHECKED SHARD 00012", 1)
    assert len(edited) == len(data) and edited != data
    path.write_bytes(edited)

    after = opened(path)
    assert after.state == truth(path).state
    assert any(n.text == "CHECKED SHARD 00012" for n in after.state.notes)


def test_a_truncated_file_is_noticed(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    before = opened(path)
    data = path.read_bytes()
    cut = data.rfind(b"\n[[events]]\n", 0, len(data) // 2) + 1
    path.write_bytes(data[:cut])

    after = opened(path)
    assert after.state.event_count < before.state.event_count
    assert after.state == truth(path).state


def test_another_file_of_the_same_length_is_noticed(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml", title="Checkout API returning 500s")
    other = big_session(tmp_path / "o.toml", title="Payments API returning 500s")
    assert path.stat().st_size == other.stat().st_size
    opened(path)
    shutil.copyfile(other, path)  # the same path, the same length, other bytes

    assert opened(path).state.title == "Payments API returning 500s"


def test_a_back_filled_event_in_the_tail_folds_from_the_start(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    writer = Session.open(path, clock=ManualClock(T0 + timedelta(hours=2)), handle="carol")
    writer.record(ev.SeverityChanged(severity="SEV1", reason="EU checkout down",
                                     at=T0 + timedelta(seconds=3)))
    writer.close()

    after = opened(path)
    assert after.state == truth(path).state
    assert after.state.severity_history[1].severity == "SEV1"


def test_a_checkpoint_this_user_did_not_write_is_never_loaded(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    state_file = checkpoint.location(path, "state")
    data = bytearray(state_file.read_bytes())
    data[-10] ^= 0xFF  # one byte of the pickle changed: the HMAC no longer matches
    state_file.write_bytes(bytes(data))
    assert checkpoint.load(path) is None

    opened(path)  # folds the whole file and writes a good one again
    assert checkpoint.load(path) is not None
    key = Path(os.environ["XDG_DATA_HOME"]) / "cockpit" / "checkpoint.key"
    key.unlink()
    key.write_bytes(os.urandom(32))  # another key: every earlier checkpoint is void
    os.chmod(key, 0o600)
    assert checkpoint.load(path) is None


def test_a_planted_link_is_not_followed(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    state_file = checkpoint.location(path, "state")
    planted = tmp_path / "planted"
    planted.write_bytes(state_file.read_bytes())
    state_file.unlink()
    state_file.symlink_to(planted)
    assert checkpoint.load(path) is None
    opened(path)  # writing one replaces the link, never writes through it
    assert not state_file.is_symlink()
    assert planted.read_bytes() != b""


def test_a_changed_fold_ignores_old_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    assert checkpoint.load(path) is not None
    monkeypatch.setattr(checkpoint, "_fold_version", lambda: b"\x00" * 32)
    assert checkpoint.load(path) is None


def test_reading_without_keeping_events_folds_the_same(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    streamed = opened(path, keep_events=False)
    assert len(streamed.in_memory) == checkpoint.RECENT_KEPT, \
        "folded a piece at a time, nothing kept but the newest (the screen shows them first)"
    assert streamed.state == truth(path).state
    assert len(streamed.events) == streamed.state.event_count  # read when asked

    writer = Session.open(path, clock=ManualClock(T0 + timedelta(hours=2)), handle="carol")
    writer.record(ev.StatusChanged(status="identified", at=T0 + timedelta(seconds=5)))  # back-filled
    writer.close()
    checkpoint.location(path, "state").unlink()
    assert opened(path, keep_events=False).state == truth(path).state


def test_the_start_changing_under_an_open_seat_is_said(tmp_path: Path) -> None:
    path = big_session(tmp_path / "s.toml")
    opened(path)
    seat = opened(path, keep_events=False)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"checked shard 00012", b"CHECKED SHARD 00012", 1))
    with pytest.raises(JournalError, match="changed under this seat"):
        seat.events  # noqa: B018


def test_sessions_lists_from_summaries_and_sees_every_change(tmp_path: Path) -> None:
    folder = Path(os.environ["XDG_DATA_HOME"]) / "cockpit" / "sessions"
    folder.mkdir(parents=True)
    path = big_session(folder / "2026-11-27-0410-checkout.toml")
    small = new_incident(config=Config(), protocol=load_protocol("major-incident"), title="Small one",
                         severity="SEV4", path=folder / "2026-11-27-0500-small.toml",
                         clock=ManualClock(T0))
    small.close()
    first = {row["title"]: row for row in list_sessions()}
    assert set(first) == {"Checkout API returning 500s", "Small one"}
    assert checkpoint.summary_of(path) is not None, "a listing remembers what it read"

    writer = Session.open(path, clock=ManualClock(T0 + timedelta(hours=2)), handle="carol")
    writer.record(ev.IncidentRetitled(title="EU checkout down"))
    writer.record(ev.StatusChanged(status="resolved"))
    writer.close()
    assert checkpoint.summary_of(path) is None, "an append makes the summary stale"
    rows = {row["title"]: row for row in list_sessions()}
    assert rows["EU checkout down"]["status"] == "resolved"
    assert rows["Small one"]["severity"] == "SEV4"


def test_the_program_leaves_its_checkpoint_to_a_child_and_the_next_reader_waits_for_it(
        tmp_path: Path) -> None:
    """``cockpit status`` (the program itself) answers without writing the checkpoint: a child
    it forks does, holding the session's lock file, and says nothing on the command's output.
    A reader right after waits for that child, and finds the checkpoint."""
    import subprocess
    import sys

    path = big_session(tmp_path / "big.toml", count=3000)
    done = subprocess.run([sys.executable, "-m", "cockpit", "status", str(path)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.startswith("SEV2  Checkout API returning 500s") and done.stderr == ""
    assert checkpoint.location(path, "lock").exists()  # the child's lock, created before the fork
    saved = checkpoint.load(path)  # waits for the child while it writes
    assert saved is not None and saved.covered == path.stat().st_size
    assert checkpoint.summary_of(path) is not None
    session = Session.open(path, keep_events=False)
    assert session.state == truth(path).state


def test_long_logs_are_made_only_when_looked_at_and_are_the_folded_ones(tmp_path: Path) -> None:
    """A checkpoint's long logs (the notes here; in a long incident each endpoint's health
    points too) are read on first use: counting them reads nothing, and what is read is what folding the file gives. Kept
    again unread, they are kept as the bytes they came from."""
    path = big_session(tmp_path / "s.toml")
    opened(path)
    state = opened(path, keep_events=False).state
    assert len(state.notes) >= checkpoint.READ_LATER_AT and state.notes.unread is not None
    assert state.updates.unread is None  # a short log is kept plain

    again = checkpoint.pickle.loads(checkpoint._pickle(state))  # what the next checkpoint keeps
    assert state.notes.unread is not None, "keeping an unread log did not read it"
    assert again.notes.unread is not None

    expected = truth(path).state
    assert list(state.notes) == list(expected.notes) and state.notes.unread is None
    assert again.notes == expected.notes and again == expected
    longer = state.notes.append(expected.notes[0])
    assert len(longer) == len(expected.notes) + 1 and len(state.notes) == len(expected.notes)


def test_a_screen_keeps_what_it_parsed_and_writes_the_checkpoint_when_asked(tmp_path: Path) -> None:
    """A cold open for a screen (``keep_parsed``, ``checkpoint_later``) folds once: the earlier
    events are the ones the fold parsed, not a second read of the file, and the checkpoint is
    written only when the screen asks, the same as one written at once."""
    path = big_session(tmp_path / "s.toml")
    every_seq = sorted(r["seq"] for r in Journal(path).load().events)
    seat = opened(path, keep_events=False, keep_parsed=True, checkpoint_later=True)
    assert checkpoint.load(path) is None, "nothing written before the screen asks"
    assert len(seat.in_memory) == checkpoint.RECENT_KEPT and not seat.all_in_memory
    data = path.read_bytes()
    path.write_bytes(data.replace(b"checked shard 00012", b"CHECKED SHARD 00012", 1))
    earlier = seat.earlier_events()  # a second read would say the file changed under the seat
    assert [e.seq for e in earlier] == every_seq
    assert "checked shard 00012" in [getattr(e, "text", "") for e in earlier]
    seat.adopt_earlier(earlier)
    assert len(seat.events) == seat.state.event_count and seat.all_in_memory
    path.write_bytes(data)
    seat.keep_checkpoint()
    saved = checkpoint.load(path)
    assert saved is not None and saved.covered == len(data) and saved.state == truth(path).state
    seat.keep_checkpoint()  # once only: nothing is left to write
