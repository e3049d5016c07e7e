"""The session file: round trip, permissions, torn-tail recovery, concurrent writers."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cockpit.domain import events as ev
from cockpit.journal import Journal, JournalError
from cockpit.session import Session
from cockpit.tomlfmt import parse_toml


def test_created_file_is_private_and_valid_toml(make_session):
    session = make_session()
    mode = stat.S_IMODE(os.stat(session.path).st_mode)
    assert mode == 0o600
    doc = parse_toml(session.path.read_text())
    assert doc["cockpit"]["format"] == 1 and doc["cockpit"]["drill"] is False
    assert [e["seq"] for e in doc["events"]] == [1, 2, 3]
    assert doc["events"][1]["kind"] == "incident.declared"


def test_umask_does_not_widen_permissions(tmp_path):
    old = os.umask(0)
    try:
        journal = Journal.create(tmp_path / "s.toml", {"session": "s"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(journal.path).st_mode) == 0o600


def test_round_trip_keeps_every_field_and_millisecond_times(make_session, clock):
    session = make_session()
    clock.advance(1.2345)
    recorded = session.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down",
                                               detail='timeout "2.0s"\n\x1b[31m'))
    session.record(ev.HealthSummary(endpoints={"payments-api": ev.EndpointWindow(
        p50_ms=12.5, p95_ms=80.0, ok_ratio=0.5, state="down")}))
    reopened = Session.open(session.path)
    assert [e.to_record() for e in reopened.events] == [e.to_record() for e in session.events]
    again = reopened.events[recorded.seq - 1]
    assert again.detail == 'timeout "2.0s"\n\x1b[31m'
    assert again.at == datetime(2026, 11, 27, 4, 10, 1, 234000, tzinfo=timezone.utc)
    text = session.path.read_text()
    assert 'from = "up"' in text and "2026-11-27T04:10:01.234Z" in text


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=80))
def test_any_text_survives_the_file(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("j") / "s.toml"
    journal = Journal.create(path, {"session": "s"})
    journal.append({"at": datetime(2026, 1, 1, tzinfo=timezone.utc), "by": "a",
                    "kind": "note.added", "text": text, "tag": "note"})
    loaded = Journal(path).load()
    expected = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    assert loaded.events[0]["text"] == expected


def test_unknown_kinds_are_kept_as_they_were(make_session):
    session = make_session()
    session.journal.append({"at": datetime(2026, 11, 27, 5, tzinfo=timezone.utc), "by": "future",
                            "kind": "pager.escalated", "level": 3, "to": ["x", "y"]})
    reopened = Session.open(session.path)
    raw = reopened.events[-1]
    assert isinstance(raw, ev.RawEvent)
    assert raw.to_record()["level"] == 3 and raw.kind == "pager.escalated"
    assert reopened.state.event_count == 4


def _real_session(tmp_path: Path, make_session, clock) -> Path:
    session = make_session(path=tmp_path / "real.toml")
    for i in range(3):
        clock.advance(30)
        session.record(ev.NoteAdded(text=f"note {i} with \"quotes\" and ünïcode", tag="decision"))
    session.record(ev.HealthSummary(endpoints={"a": ev.EndpointWindow(p50_ms=1.0, state="up")}))
    session.record(ev.RoleAssigned(role="commander", handle="alice", briefing="over to you"))
    return session.path


def test_torn_tail_recovered_at_every_byte_offset(tmp_path, make_session, clock):
    """Cut a real session at every byte: reading keeps every complete event and writes nothing;
    the first append sets the torn bytes aside, exactly them, and the file stays whole."""
    data = _real_session(tmp_path, make_session, clock).read_bytes()
    complete = parse_toml(data.decode())["events"]
    ends = [data.index(b"\nseq = %d\n" % e["seq"]) + len(b"\nseq = %d\n" % e["seq"]) for e in complete]
    header_end = data.index(b"\n\n") + 1
    work = tmp_path / "cut"
    work.mkdir()
    for cut in range(header_end, len(data) + 1):
        path = work / f"s{cut}.toml"
        path.write_bytes(data[:cut])
        loaded = Journal(path).load()
        kept = sum(1 for end in ends if end <= cut)
        assert [e["seq"] for e in loaded.events] == list(range(1, kept + 1)), cut
        assert loaded.events == complete[:kept]
        assert path.read_bytes() == data[:cut] and list(work.iterdir()) == [path]  # reading wrote nothing
        torn = data[max([header_end] + [e for e in ends if e <= cut]):cut]
        assert (loaded.recovery is not None) == bool(torn.strip()), cut
        journal = Journal(path)
        journal.load()
        journal.append({"at": datetime(2026, 1, 1, tzinfo=timezone.utc), "by": "x",
                        "kind": "note.added", "text": "after", "tag": "note"})
        if torn.strip():
            saved = journal.recovery.saved_to.read_bytes()
            assert saved.strip() == torn.strip() and data[:cut].endswith(saved), cut
            assert path.read_bytes().startswith(data[:cut - len(saved)])
        again = Journal(path).load()
        assert again.recovery is None and again.problems == [] and again.events[-1]["seq"] == kept + 1
        journal.close()
        for extra in work.iterdir():
            extra.unlink()


def test_a_damaged_event_in_the_middle_costs_that_event_only(tmp_path, make_session, clock):
    path = _real_session(tmp_path, make_session, clock)
    whole = [e["seq"] for e in Journal(path).load().events]
    data = path.read_bytes().replace(b'kind = "note.added"', b'kind = note.added', 1)
    path.write_bytes(data)
    loaded = Journal(path).load()
    assert path.read_bytes() == data  # nothing was cut away
    broken = data.index(b"kind = note.added")
    offset = data.rindex(b"\n[[events]]", 0, broken) + 1
    assert [e["seq"] for e in loaded.events] == [seq for seq in whole if seq != 4]
    [problem] = loaded.problems
    assert f"byte {offset}" in problem and "damaged" in problem


@pytest.mark.parametrize("damage", [b"\x00", b"\xff\xfe", b"[events]\nkind = 1\n", b"garbage\nseq = 9\n"],
                         ids=["NUL", "not UTF-8", "a table [events]", "garbage ending in seq"])
def test_damage_anywhere_in_the_middle_costs_only_what_it_touches(tmp_path, make_session, clock, damage):
    path = _real_session(tmp_path, make_session, clock)
    whole = [e["seq"] for e in Journal(path).load().events]
    data = path.read_bytes()
    at = data.index(b"\n[[events]]", data.index(b"seq = 4\n"))
    path.write_bytes(data[:at] + b"\n" + damage + data[at:])
    loaded = Journal(path).load()
    kept = [e["seq"] for e in loaded.events]
    assert kept in (whole, [seq for seq in whole if seq != 4])  # at most the event it hit
    assert loaded.problems and loaded.recovery is None


LAYOUTS = {
    "seq first, as the format's own example": (
        '[cockpit]\nformat = 1\nsession = "x"\ncreated = 2026-11-27T04:10:00Z\ndrill = false\n\n'
        '[[events]]\nseq = 1\nat = 2026-11-27T04:10:00.120Z\nby = "alice"\nkind = "incident.declared"\n'
        'title = "Checkout API returning 500s"\nseverity = "SEV2"\n\n'
        '[[events]]\nseq = 2\nat = 2026-11-27T04:11:40.002Z\nby = "health"\nkind = "health.changed"\n'
        'endpoint = "payments-api"\nfrom = "up"\nto = "down"\ndetail = "timeout after 2.0s"\n'),
    "edited by hand: comments, blank lines, CRLF, any order": (
        '# checkout outage, typed up afterwards\r\n[cockpit]\r\nformat = 1\r\nsession = "x"\r\n\r\n'
        '[[events]]   # the declaration\r\n\r\nkind = "incident.declared"\r\nseverity = "SEV2"\r\n'
        'title = "Checkout API returning 500s"\r\nby = "alice"\r\nat = 2026-11-27T04:10:00.120Z\r\nseq = 1\r\n'
        '\r\n  [[ events ]]\r\nby = "health" # the poller\r\nseq = 2\r\nkind = "health.changed"\r\n'
        'at = 2026-11-27T04:11:40.002Z\r\nendpoint = "payments-api"\r\nfrom = "up"\r\nto = "down"\r\n'
        'detail = """timeout after 2.0s"""\r\n'),
}


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_every_layout_of_a_complete_file_loads_whole_and_is_left_alone(tmp_path, layout):
    path = tmp_path / "s.toml"
    path.write_bytes(LAYOUTS[layout].encode())
    before = path.read_bytes()
    session = Session.open(path)
    assert [e.kind for e in session.events] == ["incident.declared", "health.changed"]
    assert session.state.endpoints["payments-api"].state == "down"
    assert session.recovery is None and session.problems == [] and path.read_bytes() == before
    session.record(ev.NoteAdded(text="appended after"))  # and it takes appends and stays whole
    assert [e["seq"] for e in Journal(path).load().events] == [1, 2, 3]


def test_a_file_written_by_tomli_w_with_sub_tables_loads_whole(tmp_path):
    import tomli_w

    doc = {"cockpit": {"format": 1, "session": "x"}, "events": [
        {"seq": 1, "at": datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc), "by": "a",
         "kind": "incident.declared", "title": "T", "severity": "SEV2"},
        {"seq": 2, "at": datetime(2026, 11, 27, 4, 11, tzinfo=timezone.utc), "by": "health",
         "kind": "health.summary", "endpoints": {"api": {"p50_ms": 12.0, "state": "up"}}},
        {"kind": "note.added", "text": "keys in any order", "seq": 3, "by": "b",
         "at": datetime(2026, 11, 27, 4, 12, tzinfo=timezone.utc)}]}
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(doc))
    assert "[events.endpoints" in path.read_text()  # sub-tables, not inline tables
    loaded = Journal(path).load()
    assert [e["seq"] for e in loaded.events] == [1, 2, 3] and loaded.recovery is None
    # a torn copy still keeps the complete events before the cut
    text = path.read_bytes()
    cut = text.index(b"keys in any") + 4
    path.write_bytes(text[:cut])
    torn = Journal(path).load()
    assert [e["seq"] for e in torn.events] == [1, 2] and torn.recovery is not None


def test_seqs_out_of_order_are_reported_and_the_next_is_above_the_highest(tmp_path, make_session):
    session = make_session(path=tmp_path / "s.toml")
    data = session.path.read_bytes()
    session.path.write_bytes(data + b'\n[[events]]\nat = 2026-11-27T04:20:00.000Z\nby = "x"\n'
                             b'kind = "note.added"\ntext = "five"\nseq = 5\n'
                             b'\n[[events]]\nat = 2026-11-27T04:21:00.000Z\nby = "x"\n'
                             b'kind = "note.added"\ntext = "four"\nseq = 4\n')
    loaded = Journal(session.path).load()
    assert [e["seq"] for e in loaded.events] == [1, 2, 3, 5, 4]
    assert any("not increasing" in p for p in loaded.problems)
    logged = Session.open(session.path, handle="bob").record(ev.NoteAdded(text="six"))
    assert logged.seq == 6
    reopened = Session.open(session.path)
    assert [e.text for e in reopened.state.notes] == ["five", "four", "six"]


def test_newer_format_is_refused_clearly(tmp_path):
    path = tmp_path / "new.toml"
    path.write_text("[cockpit]\nformat = 9\nsession = \"x\"\n")
    with pytest.raises(JournalError, match="newer"):
        Journal(path).load()


_WRITER = """
import sys
from cockpit.domain import events as ev
from cockpit.session import Session
session = Session.open(sys.argv[1], handle=sys.argv[2])
for i in range(int(sys.argv[3])):
    session.record(ev.NoteAdded(text=f"{sys.argv[2]} {i}"))
"""


def test_concurrent_processes_lose_nothing_and_keep_seq_contiguous(make_session):
    session = make_session()
    writers, each = 4, 40
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(session.path), f"w{n}", str(each)])
             for n in range(writers)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    reopened = Session.open(session.path)
    assert sorted(e.seq for e in reopened.events) == list(range(1, 3 + writers * each + 1))
    texts = {e.text for e in reopened.events if isinstance(e, ev.NoteAdded)}
    assert texts == {f"w{n} {i}" for n in range(writers) for i in range(each)}
    # every writer's own notes are in the order it wrote them
    for n in range(writers):
        mine = [e.text for e in reopened.events if isinstance(e, ev.NoteAdded) and e.by == f"w{n}"]
        assert mine == [f"w{n} {i}" for i in range(each)]


def test_follower_sees_other_writers_in_file_order(make_session):
    first = make_session()
    second = Session.open(first.path, handle="bob")
    first.record(ev.NoteAdded(text="from alice"))
    landed = second.record(ev.NoteAdded(text="from bob"))
    # bob's record folded alice's note first, in file order
    assert [e.text for e in second.events[-2:]] == ["from alice", "from bob"]
    assert landed.seq == 5
    assert [e.text for e in first.refresh()] == ["from bob"]
    assert first.state == second.state


_HEAD = ('[cockpit]\nformat = 1\nsession = "x"\n\n[[events]]\nat = 2026-11-27T04:10:00.000Z\nby = "a"\n'
         'kind = "incident.declared"\ntitle = "T"\nseverity = "SEV2"\nseq = 1\n\n[[events]]\n')
_TAIL = ('\nseq = 2\n\n[[events]]\nat = 2026-11-27T04:12:00.000Z\nby = "a"\nkind = "note.added"\n'
         'text = "after"\nseq = 3\n')


@pytest.mark.parametrize("middle, said", [
    ('at = "yesterday"\nby = "a"\nkind = "note.added"\ntext = "x"', "event seq 2: at = 'yesterday', expected a UTC time"),
    ('at = 2026-11-27T04:11:00.000Z\nby = "a"\ntext = "x"', "event seq 2: no kind"),
    ('at = 9999-12-31T23:59:59.999Z\nby = "a"\nkind = "note.added"\ntext = "x"', "not a plausible time"),
    ('at = 2026-11-27\nby = "a"\nkind = "note.added"\ntext = "x"', "is a date, expected a UTC time"),
    ('by = "a"\nkind = "note.added"\ntext = "x"', "no at"),
    ('at = 2026-11-27T04:11:00.000Z\nkind = "note.added"\nx = ' + "[" * 2000 + "1" + "]" * 2000,
     "a damaged event"),
    ('at = 2026-11-27T04:11:00.000Z\nkind = "note.added"\ntext = "x\x00"', "a damaged event"),
], ids=["at yesterday", "no kind", "at 9999", "at a date", "no at", "nested 2000 deep", "NUL"])
def test_an_event_that_cannot_be_placed_is_named_and_costs_only_itself(tmp_path, middle, said):
    path = tmp_path / "s.toml"
    path.write_bytes((_HEAD + middle + _TAIL).encode())
    session = Session.open(path)
    assert [e.seq for e in session.events] == [1, 3]
    [problem] = session.problems
    assert said in problem and ("seq 2" in problem or f"byte {len(_HEAD) - 11}" in problem), problem
    assert path.read_bytes() == (_HEAD + middle + _TAIL).encode()


def test_a_local_time_is_read_as_utc(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_HEAD + 'at = 2026-11-27T04:11:00\nby = "a"\nkind = "note.added"\ntext = "x"' + _TAIL)
    session = Session.open(path)
    assert [e.seq for e in session.events] == [1, 2, 3] and session.events[1].at.tzinfo is not None


def test_a_time_with_another_offset_is_the_same_moment_in_utc(tmp_path):
    """06:13+02:00 is 04:13 UTC: after the event at 04:12, though it is earlier in the file."""
    path = tmp_path / "s.toml"
    path.write_text(_HEAD + 'at = 2026-11-27T06:13:00.000+02:00\nby = "a"\nkind = "note.added"\ntext = "x"'
                    + _TAIL)
    session = Session.open(path)
    assert [e.seq for e in session.events] == [1, 3, 2]
    assert session.events[2].at == datetime(2026, 11, 27, 4, 13, tzinfo=timezone.utc)
    assert all(e.at.tzinfo is timezone.utc for e in session.events)


@pytest.mark.parametrize("header, said", [
    ('[cockpit]\nformat = "one"\n', "format = 'one' in [cockpit]: expected a whole number"),
    ('[cockpit]\nformat = 1\ndrill = "yes"\n', "drill = 'yes'"),
    ('[[events]]\nkind = "x"\n', "no [cockpit] header"),
    ('', "no [cockpit] header"),
    ('[cockpit\nformat = 1\n', "the header does not parse"),
], ids=["format one", "drill yes", "no header", "empty", "broken header"])
def test_a_header_that_cannot_be_trusted_is_a_clear_error(tmp_path, header, said):
    path = tmp_path / "s.toml"
    path.write_text(header)
    with pytest.raises(JournalError, match=re.escape(said)):
        Journal(path).load()


def test_a_header_written_twice_is_named_where_it_is_and_the_first_is_used(tmp_path):
    path = tmp_path / "s.toml"
    text = _HEAD + 'at = 2026-11-27T04:11:00.000Z\nby = "a"\nkind = "note.added"\ntext = "x"' + _TAIL
    path.write_text(text + '\n[cockpit]\nformat = 1\nsession = "other"\n')
    loaded = Journal(path).load()
    assert loaded.header["session"] == "x" and [e["seq"] for e in loaded.events] == [1, 2, 3]
    assert loaded.problems == [f"byte {len(text) + 1}: a second header is not part of the session"
                               " format; ignored"]


def test_validate_reports_seqs_out_of_order_and_damage_and_fails(tmp_path, capsys):
    from cockpit.cli import main

    path = tmp_path / "s.toml"
    text = (_HEAD + 'at = 2026-11-27T04:11:00.000Z\nby = "a"\nkind = "note.added"\ntext = "x"'
            + _TAIL.replace("seq = 2", "seq = 5"))
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a valid session" in err and "seq 3 follows seq 5" in err and "3 events read" in err
    assert path.read_text() == text


def test_a_follower_locked_out_by_a_writer_says_so_and_reads_the_append_once_it_lets_go(
        make_session):
    """A seat's event loop asks without waiting: a writer holding the lock (its write + fsync) is
    ``locked_out``, so the seat waits for it on its loop instead of asking again at once."""
    import fcntl

    session = make_session()
    follower = Session.open(session.path, handle="bob")
    session.record(ev.NoteAdded(text="db-2 is lagging"))
    with open(session.path, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        assert follower.journal.read_new(wait_for_lock=False) == []
        assert follower.journal.locked_out and not follower.journal.caught_up
        fcntl.flock(writer.fileno(), fcntl.LOCK_UN)
    assert [r["text"] for r in follower.journal.read_new(wait_for_lock=False)] == ["db-2 is lagging"]
    assert follower.journal.caught_up and not follower.journal.locked_out
