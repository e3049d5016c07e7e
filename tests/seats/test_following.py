"""Seats see each other's appends when the file changes, not on a timer (``Seat.start_following``).

The watching seat is a real process (follow_worker.py) that counts its follows: following on a
timer would count one every quarter second, a file event one per append. Appends come from this
test's process (``Session.record``) and from ``cockpit log``.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.journal import READ_AT_ONCE
from cockpit.seat import Seat
from cockpit.session import Session
from cockpit.tomlfmt import event_block
from tests.waiting import DEADLINE

FOLLOWER = Path(__file__).with_name("follow_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def follows(line: str) -> int:
    return int(line.split()[1])


def note(path: Path, text: str, handle: str = "bob") -> None:
    writer = Session.open(path, handle=handle)
    writer.record(ev.NoteAdded(text=text))
    writer.close()


def test_an_append_by_another_process_wakes_the_seat_once_without_a_timer(seats, session_file):
    watcher = seats("follow", session_file, "watcher", worker=FOLLOWER)
    before = follows(watcher.expect("ready"))
    note(session_file, "replica lag rising")
    assert watcher.expect("seen").endswith(" replica lag rising")
    # and from `cockpit log`, as a person at another terminal does
    subprocess.run([sys.executable, "-m", "cockpit", "log", str(session_file), "failover started",
                    "--as", "carol"], check=True, cwd=ROOT, capture_output=True, timeout=DEADLINE)
    seen = watcher.expect("seen")
    assert seen.endswith(" failover started")
    # From here nothing happens, and an absence cannot be awaited: the file events already
    # queued (the writers closing the file) are let through, then a second passes in which a
    # timer would have followed four times.
    time.sleep(0.5)
    watcher.send("count")
    after = follows(watcher.expect("follows"))
    # two appends: for each, a file event or two (the write; the close) and a few quick retries
    # while the writer's fsync still holds the lock (2 ms, then 4, 8, ...)
    assert after - before <= 12
    time.sleep(1.0)
    watcher.send("count")
    assert follows(watcher.expect("follows")) == after
    assert not [line for line in watcher.lines if line.startswith("said")]


def test_a_seat_that_cannot_use_inotify_says_so_once_and_still_follows_by_reading(
        seats, session_file):
    watcher = seats("follow", session_file, "watcher", "--no-inotify", worker=FOLLOWER)
    said = watcher.expect("said")
    assert "reading it every 0.25 s: cannot start inotify (Too many open files" in said
    ready = follows(watcher.expect("ready"))
    time.sleep(1.0)  # with no appends at all, it reads the file every 0.25 s (a busy machine:
    watcher.send("count")  # fewer), as the watching seat of the test above does not
    assert follows(watcher.expect("follows")) >= ready + 2
    note(session_file, "seen by polling")
    assert watcher.expect("seen").endswith(" seen by polling")
    note(session_file, "and again")
    assert watcher.expect("seen").endswith(" and again")
    assert len([line for line in watcher.lines if line.startswith("said")]) == 1


def test_a_file_written_elsewhere_and_renamed_over_the_session_is_said_and_followed(
        seats, session_file):
    watcher = seats("follow", session_file, "watcher", worker=FOLLOWER)
    watcher.expect("ready")
    elsewhere = session_file.with_name("incident.toml.synced")
    shutil.copy(session_file, elsewhere)
    note(elsewhere, "written on the other laptop")
    os.replace(elsewhere, session_file)
    assert "was replaced (another file was renamed over it)" in watcher.expect("said")
    assert watcher.expect("seen").endswith(" written on the other laptop")
    note(session_file, "after the swap", handle="carol")
    assert watcher.expect("seen").endswith(" after the swap")


def test_a_seat_that_writes_after_its_file_was_replaced_writes_to_the_new_file(session_file):
    writer = Session.open(session_file, handle="bob")
    writer.record(ev.NoteAdded(text="before"))
    elsewhere = session_file.with_name("incident.toml.synced")
    shutil.copy(session_file, elsewhere)
    os.replace(elsewhere, session_file)
    writer.record(ev.NoteAdded(text="after"))
    assert [e.text for e in Session.open(session_file).events[-2:]] == ["before", "after"]
    assert any("was replaced" in p for p in writer.journal.problems)


async def test_a_burst_of_appends_is_one_follow(session_file):
    changed = asyncio.Event()
    follower = Seat(Session.open(session_file, handle="watcher", read_only=True),
                    changed=changed.set)
    calls: list[int] = []
    follow = follower.follow
    follower.follow = lambda **kw: calls.append(1) or follow(**kw)  # type: ignore[method-assign]
    follower.start_following()
    writer = Session.open(session_file, handle="bob")
    await asyncio.sleep(0)  # the watch is in place and has followed once
    assert calls == [1]
    for n in range(50):  # the seat's loop does not run meanwhile: all 50 events are queued
        writer.record(ev.NoteAdded(text=f"burst {n}"))
    await asyncio.wait_for(changed.wait(), DEADLINE)
    assert follower.session.events[-1].text == "burst 49"
    assert len(calls) == 2
    await follower.leave()


async def test_a_big_append_is_read_a_piece_at_a_time_letting_the_loop_run(session_file):
    count = 3 * READ_AT_ONCE // 1000
    pieces: list[int] = []
    done = asyncio.Event()

    def changed() -> None:
        notes = sum(isinstance(e, ev.NoteAdded) for e in follower.session.events)
        pieces.append(notes)
        if notes == count:
            done.set()

    follower = Seat(Session.open(session_file, handle="watcher", read_only=True), changed=changed)
    follower.start_following()
    await asyncio.sleep(0)
    writer = Session.open(session_file, handle="bob")
    writer.record_together([ev.NoteAdded(text=f"{n} {'x' * 900}") for n in range(count)])
    await asyncio.wait_for(done.wait(), DEADLINE)
    # about a megabyte at a time: the screen is redrawn (and keys answered) between the pieces
    assert len(pieces) >= 3 and pieces == sorted(pieces)
    await follower.leave()


async def test_an_append_read_while_its_writer_held_the_lock_is_read_once_it_lets_go(
        session_file, clock):
    changed = asyncio.Event()
    follower = Seat(Session.open(session_file, handle="watcher", read_only=True),
                    changed=changed.set)
    tried = asyncio.Event()
    follow = follower.follow

    def counted(**kw: bool) -> list[ev.Event]:
        tried.set()
        return follow(**kw)

    follower.follow = counted  # type: ignore[method-assign]
    follower.start_following()
    await asyncio.sleep(0)
    tried.clear()
    writer = os.open(session_file, os.O_RDONLY)
    fcntl.flock(writer, fcntl.LOCK_EX)  # a writer mid-append on a slow disk
    with open(session_file, "ab") as handle:
        handle.write(event_block({"at": clock.now(), "by": "bob", "kind": "note.added",
                                  "text": "held up", "tag": "note", "seq": 4}))
    await asyncio.wait_for(tried.wait(), DEADLINE)
    assert not changed.is_set()  # it did not read under the writer's lock
    os.close(writer)  # the writer lets go: no file event says so
    await asyncio.wait_for(changed.wait(), DEADLINE)
    assert follower.session.events[-1].text == "held up"
    await follower.leave()


async def test_a_seat_waits_for_a_writers_lock_without_trying_again_and_again(session_file, clock):
    """The wait is the lock itself (taken in a thread), not pauses on the loop: while a writer
    holds the lock the seat tries once (once more only if a quarter second passes), and reads
    the moment the writer lets go."""
    changed = asyncio.Event()
    follower = Seat(Session.open(session_file, handle="watcher", read_only=True),
                    changed=changed.set)
    tries: list[float] = []
    follow = follower.follow
    follower.follow = lambda **kw: tries.append(time.monotonic()) or follow(**kw)  # type: ignore[method-assign]
    follower.start_following()
    await asyncio.sleep(0)
    tries.clear()
    writer = os.open(session_file, os.O_RDONLY)
    fcntl.flock(writer, fcntl.LOCK_EX)
    with open(session_file, "ab") as handle:
        handle.write(event_block({"at": clock.now(), "by": "bob", "kind": "note.added",
                                  "text": "held up", "tag": "note", "seq": 4}))
    deadline = time.monotonic() + DEADLINE
    while not tries:
        assert time.monotonic() < deadline, "the seat never tried to read the append"
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.1)  # a tenth of a second under the lock: pauses of 2, 4, 8 ms… tried 6 times
    held = time.monotonic() - tries[0]
    assert len(tries) <= 1 + int(held / 0.25), tries
    os.close(writer)
    await asyncio.wait_for(changed.wait(), DEADLINE)
    assert follower.session.events[-1].text == "held up"
    await follower.leave()
