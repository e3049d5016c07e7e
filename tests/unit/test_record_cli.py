"""``cockpit record`` and ``cockpit new --at``: every event from the command line, checked as the
screen checks it; a back-filled event takes its place in time in every view."""

from __future__ import annotations

import hashlib
import json

import pytest

from cockpit.cli import main
from cockpit.retro.replay import ReplayCursor, SavedSession
from cockpit.retro.report import report_for_session
from cockpit.session import Session


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def typed_up(tmp_path, capsys):
    """An incident typed up afterwards: declared at 04:10, identified at T+05:00."""
    path = tmp_path / "s.toml"
    assert run(capsys, "new", "--no-ui", "--title", "Checkout 500s", "--session", str(path),
               "--at", "2026-11-27T04:10:00Z", "--as", "alice")[0] == 0
    assert run(capsys, "record", str(path), "status.changed", "status=identified",
               "--at", "T+05:00", "--as", "bob")[0] == 0
    return path


def test_a_back_filled_status_change_lands_in_time_order_in_state_replay_and_report(typed_up, capsys):
    code, out, _ = run(capsys, "record", str(typed_up), "status.changed", "status=resolved",
                       "--at", "T+30:00", "--json")
    assert code == 0 and json.loads(out)["at"] == "2026-11-27T04:40:00.000Z"
    # typed in last, but it happened before the resolution
    assert run(capsys, "record", str(typed_up), "status.changed", "status=monitoring",
               "--at", "2026-11-27T04:30:00Z")[0] == 0
    session = Session.open(typed_up)
    assert session.state.status == "resolved" and session.state.resolved_at.minute == 40
    assert [h.status for h in session.state.status_history] == ["identified", "monitoring", "resolved"]
    saved = SavedSession.read(typed_up)
    cursor = ReplayCursor(saved.events)
    assert cursor.seek(session.state.declared_at.replace(minute=35)).status == "monitoring"
    assert cursor.seek(session.state.declared_at.replace(minute=45)).status == "resolved"
    report = report_for_session(saved)
    assert report["metrics"]["time_to_resolve_s"] == 30 * 60
    code, out, _ = run(capsys, "status", str(typed_up), "--json")
    assert json.loads(out)["status"] == "resolved" and json.loads(out)["elapsed_s"] == 1800.0


def test_what_the_screen_refuses_the_command_line_refuses(typed_up, capsys):
    before = hashlib.sha256(typed_up.read_bytes()).hexdigest()
    for args, said in [
        (("severity.changed", "severity=SEV9"), "is not one of"),
        (("step.done", "step=nope"), "no step 'nope'"),
        (("role.assigned", "role=boss", "handle=bob"), "role="),
        (("status.changed", "statu=resolved"), "no field 'statu'"),
        (("seat.joined", "handle=x"), "not a kind that can be recorded"),
        (("note.added", "text=hi", "at=2026-11-27T04:10:00Z"), "--at TIME"),
        (("note.added", "text"), "FIELD=VALUE"),
        (("ask.done", "ask=42"), "no ask #42"),
    ]:
        code, _, err = run(capsys, "record", str(typed_up), *args)
        assert code == 2 and said in err and "Traceback" not in err, (args, err)
    for moment in ("yesterday", "2026-11-27T04:10:00", "T+5", "9999-12-31T23:59:59Z"):
        code, _, err = run(capsys, "record", str(typed_up), "note.added", "text=x", "--at", moment)
        assert code == 2 and "--at" in err, (moment, err)
    assert hashlib.sha256(typed_up.read_bytes()).hexdigest() == before  # nothing was written


def test_recording_what_already_is_is_refused_and_said(typed_up, capsys):
    code, _, err = run(capsys, "record", str(typed_up), "status.changed", "status=identified")
    assert code == 1 and "already identified" in err
    # back-filled, it is judged by the incident as it stood then: investigating at T+01:00
    code, _, err = run(capsys, "record", str(typed_up), "status.changed", "status=identified",
                       "--at", "T+01:00")
    assert code == 0, err


def test_every_recordable_kind_reaches_the_record(typed_up, capsys):
    recorded = []
    for args in [("severity.changed", "severity=SEV1", "reason=checkout down for all"),
                 ("incident.retitled", "title=Checkout down"),
                 ("impact.assessed", "field=customer_facing", "value=yes"),
                 ("step.done", "step=open-bridge"), ("step.skipped", "step=time-callout", "reason=small team"),
                 ("step.reopened", "step=open-bridge"),
                 ("role.assigned", "role=commander", "handle=alice"),
                 ("role.released", "role=commander", "handle=alice"),
                 ("member.joined", "handle=carol", "status=paged"),
                 ("member.status", "handle=carol", "status=engaged"),
                 ("ask.started", "handle=carol", "task=check the replica", "minutes=10"),
                 ("update.posted", "text=We are on it", "audience=external"),
                 ("note.added", "text=rolled back", "tag=decision")]:
        code, out, err = run(capsys, "record", str(typed_up), *args, "--json")
        assert code == 0, (args, err)
        recorded.append(json.loads(out))
    code, out, err = run(capsys, "record", str(typed_up), "ask.done", f"ask={recorded[10]['seq']}")
    assert code == 0, err
    state = Session.open(typed_up).state
    assert state.severity == "SEV1" and state.title == "Checkout down"
    assert state.steps["time-callout"].state == "skipped" and state.steps["open-bridge"].state == "open"
    assert state.members["carol"].status == "engaged" and not state.open_asks()
    assert [e["seq"] for e in recorded] == list(range(recorded[0]["seq"], recorded[0]["seq"] + 13))
