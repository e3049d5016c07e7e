"""Several seats (real processes) on one session file: nothing lost, one order, one answer."""

from __future__ import annotations

import fcntl
import os
import random
import signal
import time
from datetime import datetime, timezone
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.journal import Journal
from cockpit.session import Session
from cockpit.tomlfmt import event_block


def _recorded(lines: list[str]) -> dict[int, str]:
    """``seq -> text`` of every ``<seq> <text>`` line a writer printed."""
    out = {}
    for line in lines:
        seq, _, text = line.partition(" ")
        if seq.isdigit():
            out[int(seq)] = text
    return out


def _notes(path: Path) -> dict[int, str]:
    return {e.seq: e.text for e in Session.open(path).events if isinstance(e, ev.NoteAdded)}


def test_seats_appending_at_once_lose_nothing_and_keep_seq_contiguous(session_file, seats):
    writers = [seats("write", session_file, f"w{n}", "30") for n in range(5)]
    reported: dict[int, str] = {}
    for writer in writers:
        mine = _recorded(writer.drain())
        assert writer.proc.returncode == 0, writer.stderr()
        assert len(mine) == 30
        assert not reported.keys() & mine.keys()  # no seq handed out twice
        reported.update(mine)
    loaded = Journal(session_file).load()
    assert loaded.problems == [] and loaded.recovery is None
    assert [e["seq"] for e in loaded.events] == list(range(1, 3 + 150 + 1))
    assert _notes(session_file) == reported


def test_kill_loop_keeps_every_event_a_writer_reported(session_file, seats):
    """Writers SIGKILLed at random moments: the file loads, and every printed seq is in it."""
    rng = random.Random(20261127)
    reported: dict[int, str] = {}
    killed = 0
    for round_ in range(5):
        batch = [seats("write", session_file, f"r{round_}w{n}", "100000") for n in range(3)]
        for writer in batch:
            writer.expect("", timeout=20)  # it is recording now
        for writer in rng.sample(batch, len(batch)):
            time.sleep(rng.uniform(0.0, 0.05))
            os.kill(writer.pid, signal.SIGKILL)
        for writer in batch:
            lines = writer.drain()
            killed += writer.proc.returncode == -signal.SIGKILL
            reported.update(_recorded(lines))
    assert killed == 15
    loaded = Journal(session_file).load()
    assert loaded.problems == []
    seqs = [e["seq"] for e in loaded.events]
    assert seqs == list(range(1, len(seqs) + 1))
    in_file = _notes(session_file)
    missing = {seq: text for seq, text in reported.items() if in_file.get(seq) != text}
    assert not missing, f"{len(missing)} reported events not in the file: {list(missing)[:5]}"
    assert len(reported) > 15  # the writers really were recording when they died


def _inject_torn_event(path: Path, fragment: bytes) -> None:
    """What a writer dying mid-write leaves: part of an event, appended under the lock."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, fragment)
        os.fsync(fd)
    finally:
        os.close(fd)


def test_torn_events_are_set_aside_while_other_seats_keep_appending(session_file, seats):
    writers = [seats("write", session_file, f"w{n}", "150") for n in range(3)]
    fragments = [b'\n[[events]]\nat = 2026-11-27T05:00:00.000Z\nby = "crashed-%d"\nkind = "note' % n
                 for n in range(3)]
    for writer in writers:
        writer.expect("", timeout=20)
    for count, fragment in enumerate(fragments, start=1):
        _inject_torn_event(session_file, fragment)
        deadline = time.monotonic() + 60
        while (len(list(session_file.parent.glob("*.torn-*"))) < count
               and any(w.proc.poll() is None for w in writers) and time.monotonic() < deadline):
            time.sleep(0.005)  # until a seat appending after the fragment has set it aside
    reported: dict[int, str] = {}
    for writer in writers:
        reported.update(_recorded(writer.drain()))
        assert writer.proc.returncode == 0, writer.stderr()
    loaded = Journal(session_file).load()
    assert loaded.problems == []
    assert [e["seq"] for e in loaded.events] == list(range(1, 3 + 450 + 1))
    assert _notes(session_file) == reported
    aside = sorted(session_file.parent.glob(f"{session_file.name}.torn-*"))
    assert sorted(p.read_bytes().strip() for p in aside) == sorted(f.strip() for f in fragments)


def test_two_seats_see_each_others_notes(session_file, seats):
    """Each seat follows the file every 250 ms, as the app does: that is what makes another
    seat's note show within a second. How long it took is not asserted: on a busy machine a
    process can wait longer than that for the processor."""
    alice = seats("seat", session_file, "alice")
    bob = seats("seat", session_file, "bob")
    alice.expect("ready", timeout=20)
    bob.expect("ready", timeout=20)
    for writer, reader, text in ((alice, bob, "payments rollback started"),
                                 (bob, alice, "replica lag back to 0")):
        writer.send(f"note {text}")
        seq = writer.expect("recorded", timeout=60).split()[1]
        assert reader.expect("seen", timeout=60) == f"seen {seq} {writer.handle} {text}"


def _race(seats, session_file, **commands: str) -> tuple[list, dict[str, str]]:
    """Seats (one per handle) each send their command at once; (the seats, each one's answer:
    ``recorded N`` or ``refused <why>``)."""
    started = [seats("seat", session_file, handle) for handle in commands]
    for seat in started:
        seat.expect("ready", timeout=20)
    for seat in started:
        seat.send(commands[seat.handle])
    return started, {seat.handle: seat.expect(("recorded", "refused")) for seat in started}


def test_same_step_checked_in_two_seats_is_done_once_and_the_second_is_told(session_file, seats):
    (alice, bob), outcomes = _race(seats, session_file, alice="done open-bridge", bob="done open-bridge")
    [first] = [h for h, said in outcomes.items() if said.startswith("recorded")]
    [second] = [h for h, said in outcomes.items() if said.startswith("refused")]
    assert outcomes[second].startswith(f"refused That step was already done by {first} at ")
    session = Session.open(session_file)
    dones = [e for e in session.events if isinstance(e, ev.StepDone)]
    assert [e.by for e in dones] == [first]  # one outcome, in the file and so in every view
    assert session.state.steps["open-bridge"].by == first


def test_two_seats_assigning_commander_at_once_give_one_commander_and_tell_the_other(
        session_file, seats):
    (alice, bob), outcomes = _race(seats, session_file, alice="commander alice", bob="commander bob")
    session = Session.open(session_file)
    assigned = [e for e in session.events if isinstance(e, ev.RoleAssigned) and e.role == "commander"]
    holders = session.state.holders("commander")
    if all(said.startswith("recorded") for said in outcomes.values()):
        # the second seat had already seen the first's assignment: a deliberate handover
        assert [e.handle for e in assigned][-1] == holders[0]
    else:
        [winner] = [h for h, said in outcomes.items() if said.startswith("recorded")]
        [loser] = [h for h, said in outcomes.items() if said.startswith("refused")]
        assert holders == [winner] and [e.handle for e in assigned] == [winner]
        assert f"{winner} took Incident Commander" in outcomes[loser]
    assert len(holders) == 1
    from cockpit.retro.report import report_for_session

    session.record(ev.StatusChanged(status="resolved"))
    report = report_for_session(session)
    credited = {r["handle"] for r in report["responders"]
                if any(term["role"] == "commander" for term in r["roles"])}
    assert credited == {e.handle for e in assigned}  # nobody credited with a role never held


def test_concurrent_severity_changes_give_one_outcome_and_every_seat_folds_the_same(session_file, seats):
    (alice, bob), outcomes = _race(seats, session_file, alice="severity SEV1", bob="severity SEV3")
    session = Session.open(session_file)
    changes = [e for e in session.events if isinstance(e, ev.SeverityChanged)]
    recorded = [h for h, said in outcomes.items() if said.startswith("recorded")]
    assert len(changes) == len(recorded) >= 1
    assert session.state.severity == changes[-1].severity  # the last in time order wins
    carol = seats("seat", session_file, "carol")  # a seat that folds the file from scratch
    answers = []
    for seat in (alice, bob, carol):
        seat.send("digest")
        answers.append(seat.expect("digest", timeout=20).split()[1:])
    assert answers[0] == answers[1] == answers[2]


def _wait_until_blocked_on_a_lock(pid: int, timeout: float = 20.0) -> None:
    """Until the kernel lists ``pid`` as waiting for a file lock (``->`` in /proc/locks)."""
    deadline = time.monotonic() + timeout
    while not any(line.split()[1] == "->" and line.split()[5] == str(pid)
                  for line in Path("/proc/locks").read_text().splitlines()):
        assert time.monotonic() < deadline, f"process {pid} never waited for the lock"
        time.sleep(0.01)


def test_a_seat_joining_mid_append_waits_for_the_writer_instead_of_cutting_its_event(
        session_file, seats):
    """Half an event on disk under a live writer's lock is a write in progress, not a torn tail."""
    block = event_block({"at": datetime(2026, 11, 27, 5, tzinfo=timezone.utc), "by": "slow",
                         "kind": "note.added", "text": "written in two halves", "seq": 4})
    fd = os.open(session_file, os.O_WRONLY | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a writer, mid-append
        os.write(fd, block[:40])
        os.fsync(fd)
        joining = seats("write", session_file, "joiner", "1")  # opens (loads) the session now
        _wait_until_blocked_on_a_lock(joining.pid)  # it saw the half event and waits for us
        assert joining.lines == []
        os.write(fd, block[40:])
        os.fsync(fd)
    finally:
        os.close(fd)  # the writer is done
    assert joining.expect("", timeout=20) == "5 joiner 0"
    assert not list(session_file.parent.glob("*.torn-*"))
    assert _notes(session_file) == {4: "written in two halves", 5: "joiner 0"}
