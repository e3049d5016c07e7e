"""``cockpit export`` and ``cockpit import`` through the real entry point: what a reader of the
file sees, what a spreadsheet would run, and a past incident coming back as the same incident."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.journal import Journal
from cockpit.session import Session
from cockpit.tomlfmt import parse_toml


@pytest.fixture
def incident(make_session, clock):
    """A short incident with the awkward texts a timeline holds: pipes, formulas, several lines,
    HTML, links; a back-filled event (appended after, earlier in time)."""
    session = make_session()
    clock.advance(minutes=1)
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    session.record(ev.ImpactAssessed(field="users_affected", value="most"))
    clock.advance(minutes=2)
    session.record(ev.NoteAdded(text="roll back | deploy 3", tag="decision", by="bob"))
    session.record(ev.NoteAdded(text='=HYPERLINK("http://evil.example/","x")', tag="note", by="bob"))
    session.record(ev.NoteAdded(text="first line\nsecond <b>line</b>\nsee https://dash.example/d/1",
                                tag="hypothesis"))
    session.record(ev.SeverityChanged(severity="SEV1", reason="most users"))
    session.record(ev.AskStarted(handle="bob", task="check replica lag", minutes=10))
    clock.advance(minutes=3)
    session.record(ev.AskDone(ask=session.state.last_seq))
    session.record(ev.UpdatePosted(text="We are rolling back.", audience="external",
                                   next_update_at=clock.now() + timedelta(minutes=20)))
    session.record(ev.NoteAdded(text="back-filled: pager went off", tag="note",
                                at=session.state.declared_at + timedelta(seconds=30)))
    clock.advance(minutes=10)
    session.record(ev.StatusChanged(status="resolved"))
    return session


def run(*argv: str, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def report(path: Path, capsys) -> dict:
    code, out, _ = run("report", path, "--format", "json", capsys=capsys)
    assert code == 0
    return json.loads(out)


# -- export -----------------------------------------------------------------------------------------


def test_csv_has_the_timeline_columns_and_guards_formulas(incident, capsys):
    code, out, _ = run("export", incident.path, "--format", "csv", capsys=capsys)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["at", "by", "kind", "text", "links"]
    by_text = {row[3]: row for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example/\",\"x\")" in by_text  # a spreadsheet shows it, never runs it
    assert not any(row[3].startswith(("=", "+", "-", "@")) for row in rows[1:])
    decision = by_text["decision: roll back | deploy 3"]
    assert decision[:3] == ["2026-11-27T04:13:00.000Z", "bob", "note.added"]
    hypothesis = next(row for row in rows if row[3].startswith("hypothesis:"))
    assert hypothesis[3] == "hypothesis: first line\nsecond <b>line</b>\nsee https://dash.example/d/1"
    assert hypothesis[4] == "https://dash.example/d/1"
    kinds = [row[2] for row in rows[1:]]
    assert "seat.joined" not in kinds and "session.configured" not in kinds
    times = [row[0] for row in rows[1:]]
    assert times == sorted(times)  # the back-filled note takes its place in time
    assert rows[3][3] == "back-filled: pager went off"  # after the declaration and the join


def test_markdown_cells_cannot_break_the_table(incident, capsys):
    code, out, _ = run("export", incident.path, "--format", "md", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "| at | by | kind | text | links |"
    for line in lines[2:]:
        unescaped_pipes = line.replace("\\|", "").count("|")
        assert unescaped_pipes == 6, line  # five cells on every row, whatever the text holds
    hypothesis = next(line for line in lines if "hypothesis:" in line)
    assert "first line<br>second \\<b\\>line\\</b\\><br>see" in hypothesis
    assert "<b>" not in out
    assert "decision: roll back \\| deploy 3" in out


def test_jsonl_holds_each_event_exactly_as_the_file_does(incident, capsys):
    code, out, _ = run("export", incident.path, "--format", "jsonl", capsys=capsys)
    assert code == 0
    exported = [json.loads(line) for line in out.splitlines()]
    in_file = parse_toml(incident.path.read_text())["events"]
    assert len(exported) == len(in_file)
    by_seq = {e["seq"]: e for e in in_file}
    for record in exported:
        original = by_seq[record["seq"]]
        assert list(record)[:4] == ["seq", "at", "by", "kind"]
        assert set(record) == set(original)
        for key, value in original.items():
            expected = value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if hasattr(value, "strftime") else value
            assert record[key] == expected, key
    assert [e["at"] for e in exported] == sorted(e["at"] for e in exported)


def test_output_file_is_private_and_never_overwritten_without_force(incident, tmp_path, capsys):
    target = tmp_path / "timeline.csv"
    assert run("export", incident.path, "-o", target, capsys=capsys)[0] == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    first = target.read_bytes()
    target.write_text("someone's notes")
    code, _, err = run("export", incident.path, "-o", target, "--format", "md", capsys=capsys)
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_text() == "someone's notes"
    assert run("export", incident.path, "-o", target, "--force", capsys=capsys)[0] == 0
    assert target.read_bytes() == first
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_export_only_reads(incident, capsys):
    before = incident.path.read_bytes()
    listing = sorted(os.listdir(incident.path.parent))
    for fmt in ("csv", "md", "jsonl"):
        assert run("export", incident.path, "--format", fmt, capsys=capsys)[0] == 0
    assert incident.path.read_bytes() == before
    assert sorted(os.listdir(incident.path.parent)) == listing


# -- import -----------------------------------------------------------------------------------------


def test_jsonl_round_trip_gives_the_same_report(incident, tmp_path, capsys):
    exported = tmp_path / "timeline.jsonl"
    assert run("export", incident.path, "--format", "jsonl", "-o", exported, capsys=capsys)[0] == 0
    target = tmp_path / "again.toml"
    code, out, err = run("import", exported, "--session", target, capsys=capsys)
    assert code == 0, err
    assert out.strip() == str(target)
    mine, theirs = report(target, capsys), report(incident.path, capsys)
    assert (mine["incident"].pop("session"), theirs["incident"].pop("session")) == ("again", "incident")
    assert mine == theirs
    header = parse_toml(target.read_text())["cockpit"]
    assert header["imported_from"] == "timeline.jsonl" and "imported" in header
    events = Journal(target).load().events
    original = Journal(incident.path).load().events
    assert [(e["seq"], e["kind"], e["at"]) for e in events] == [(e["seq"], e["kind"], e["at"]) for e in original]


def test_csv_round_trip_reads_the_narrators_words_back(incident, tmp_path, capsys):
    exported = tmp_path / "timeline.csv"
    assert run("export", incident.path, "-o", exported, capsys=capsys)[0] == 0
    target = tmp_path / "from-csv.toml"
    assert run("import", exported, "--session", target, capsys=capsys)[0] == 0
    events = [ev.parse_event(r) for r in Journal(target).load().events]
    kinds = [e.kind for e in events]
    for kind in ("incident.declared", "severity.changed", "status.changed", "role.assigned",
                 "impact.assessed", "update.posted", "ask.started"):
        assert kind in kinds
    decision = next(e for e in events if isinstance(e, ev.NoteAdded) and e.tag == "decision")
    assert (decision.text, decision.by) == ("roll back | deploy 3", "bob")
    hypothesis = next(e for e in events if isinstance(e, ev.NoteAdded) and e.tag == "hypothesis")
    assert hypothesis.text == "first line\nsecond <b>line</b>\nsee https://dash.example/d/1"
    formula = next(e for e in events if isinstance(e, ev.NoteAdded) and "HYPERLINK" in e.text)
    assert formula.text == '=HYPERLINK("http://evil.example/","x")'  # the guard is taken off again
    update = next(e for e in events if isinstance(e, ev.UpdatePosted))
    assert update.audience == "external" and update.next_update_at == incident.state.updates[-1].next_update_at
    mine, theirs = report(target, capsys), report(incident.path, capsys)
    for key in ("declared_at", "resolved_at", "title", "severity", "status"):
        assert mine["incident"][key] == theirs["incident"][key], key
    def without_seq(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "seq"} for row in rows]

    assert without_seq(mine["decisions"]) == without_seq(theirs["decisions"])


def test_markdown_table_kept_elsewhere_becomes_an_incident(tmp_path, capsys):
    notes = tmp_path / "db-failover.md"
    notes.write_text(
        "# What we wrote down\n\nSome prose first.\n\n"
        "| At | By | Text |\n|:---|---|---|\n"
        "| 2015-10-21T15:01:00Z | carol | pager: replica lag on db-2 |\n"
        "| T+04:00 | dan | failing over to db-3 \\| manual |\n"
        "| 2015-10-21T17:20:00+02:00 | carol | looks stable<br>closing |\n")
    code, out, err = run("import", notes, capsys=capsys)
    assert code == 0, err
    target = Path(out.strip())
    assert target.parent.name == "sessions" and target.name.startswith("2015-10-21-1501-db-failover")
    events = [ev.parse_event(r) for r in Journal(target).load().events]
    declared = next(e for e in events if isinstance(e, ev.IncidentDeclared))
    assert declared.title == "db failover" and declared.by == "carol"
    texts = [(e.at.strftime("%H:%M"), e.by, e.text) for e in events if isinstance(e, ev.NoteAdded)]
    assert texts == [("15:01", "carol", "pager: replica lag on db-2"),
                     ("15:05", "dan", "failing over to db-3 | manual"), ("15:20", "carol", "looks stable\nclosing")]
    code, out, _ = run("status", target, capsys=capsys)
    assert code == 0 and "db failover" in out


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad-time.csv", "at,by,text\n2026-11-27T04:10:00Z,alice,ok\nyesterday,bob,hm\n", "line 3: at = 'yesterday'"),
    ("no-zone.csv", "at,by,text\n2026-11-27T04:10:00,alice,ok\n", "line 2: at = '2026-11-27T04:10:00' has no zone"),
    ("bad-by.csv", "at,by,text\n2026-11-27T04:10:00Z,alice ng,ok\n", "line 2: by = 'alice ng'"),
    ("no-text.md", "| at | by | text |\n|---|---|---|\n| 2026-11-27T04:10:00Z | alice |  |\n", "line 3: the text cell is empty"),
    ("no-columns.csv", "moment,person,words\n2026-11-27T04:10:00Z,alice,ok\n", "line 1: the first row names the columns; at, by, text are missing"),
    ("bad-json.jsonl", '{"seq": 1, "at": "2026-11-27T04:10:00.000Z", "by": "a", "kind": "note.added", "text": "x"}\n{oops\n', "line 2: not a JSON object"),
    ("bad-kind.jsonl", '{"seq": 1, "at": "2026-11-27T04:10:00.000Z", "by": "a", "kind": "severity.changed", "severity": "SEV9"}\n', "line 1: severity.changed: severity"),
    ("dup-seq.jsonl", '{"seq": 1, "at": "2026-11-27T04:10:00Z", "by": "a", "kind": "x"}\n{"seq": 1, "at": "2026-11-27T04:11:00Z", "by": "a", "kind": "x"}\n', "line 2: seq 1 is already on line 1"),
    ("timeline.txt", "at,by,text\n", "--format"),
])
def test_bad_rows_are_named_by_line_and_nothing_is_written(tmp_path, capsys, name, content, message):
    source = tmp_path / name
    source.write_text(content)
    target = tmp_path / "new.toml"
    code, out, err = run("import", source, "--session", target, capsys=capsys)
    assert code == 2
    assert message in err and "Traceback" not in err and "bug" not in err
    assert not target.exists() and out == ""
    assert not (tmp_path / "xdg-data").exists() or not any((tmp_path / "xdg-data").rglob("*.toml"))


def test_import_never_overwrites_a_session(incident, tmp_path, capsys):
    source = tmp_path / "t.csv"
    source.write_text("at,by,text\n2026-11-27T04:10:00Z,alice,ok\n")
    before = incident.path.read_bytes()
    code, _, err = run("import", source, "--session", incident.path, capsys=capsys)
    assert code == 2 and "already exists" in err
    assert incident.path.read_bytes() == before


def test_jsonl_seqs_are_numbered_again_and_references_follow(tmp_path, capsys):
    lines = [
        {"seq": 10, "at": "2026-11-27T04:10:00.000Z", "by": "alice", "kind": "incident.declared",
         "title": "Checkout down", "severity": "SEV2"},
        {"seq": 20, "at": "2026-11-27T04:11:00.000Z", "by": "alice", "kind": "ask.started",
         "handle": "bob", "task": "check replica lag", "minutes": 10},
        {"seq": 30, "at": "2026-11-27T04:15:00.000Z", "by": "bob", "kind": "ask.done", "ask": 20},
        {"seq": 25, "at": "2026-11-27T04:12:00.000Z", "by": "bob", "kind": "pager.escalated", "level": 2},
    ]
    source = tmp_path / "elsewhere.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    target = tmp_path / "s.toml"
    code, _, err = run("import", source, "--session", target, capsys=capsys)
    assert code == 0, err
    assert "numbered again" in err
    events = [ev.parse_event(r) for r in Journal(target).load().events]
    by_kind = {e.kind: e for e in events}
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]  # the configuration the file lacked comes first
    assert by_kind["ask.done"].ask == by_kind["ask.started"].seq
    assert isinstance(by_kind["pager.escalated"], ev.RawEvent)  # a kind from elsewhere, kept as it is
    state = Session.open(target).state
    assert not state.open_asks()


def test_a_spreadsheets_own_column_names_are_understood(tmp_path, capsys):
    source = tmp_path / "bridge-log.csv"
    source.write_text("Timestamp,Author,Type,Message,Owner\n"
                      "2026-11-27T04:10:00Z,alice,decision,roll back deploy 3,bob\n"
                      "2026-11-27T04:20:00Z,bob,action,add an alert on replica lag,bob\n")
    target = tmp_path / "s.toml"
    assert run("import", source, "--session", target, capsys=capsys)[0] == 0
    notes = [e for e in map(ev.parse_event, Journal(target).load().events) if isinstance(e, ev.NoteAdded)]
    assert [(n.by, n.tag, n.text) for n in notes] == [("alice", "decision", "roll back deploy 3"),
                                                      ("bob", "action", "add an alert on replica lag")]
