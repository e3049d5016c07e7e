"""One voice: every event is told in the same words by the timeline pane, the report, the replay,
``cockpit status`` and the drill follower, because they all ask the one narrator."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from rich.style import Style

from cockpit.domain import events as ev
from cockpit.domain.protocol import Step
from cockpit.drill.cli import _Printer
from cockpit.drill.runner import DRILL_HANDLE
from cockpit.narrate import COCKPIT, Context, narrate, narrate_raw, narrated_kinds
from cockpit.retro.markdown import render_markdown
from cockpit.retro.replay import ReplayCursor
from cockpit.retro.report import TIMELINE_LEAVES_OUT, build_report
from cockpit.ui.panes.timeline import timeline_line

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
STEPS = (Step(id="declare", text="Declare the incident"),
         Step(id="open-bridge", text="Open the bridge call"),
         Step(id="mitigate", text="Choose a mitigation"))
HEADER = {"session": "one-voice", "drill": True}


def sample(cls: type[ev.Event]) -> ev.Event:
    """One event of each known kind, with the fields people fill in."""
    fields: dict[str, dict] = {
        "session.configured": {"protocol": "major-incident", "steps": STEPS,
                               "people": (ev.Person(handle="alice"), ev.Person(handle="bob")),
                               "endpoints": (ev.EndpointRef(name="payments-api"),)},
        "protocol.added": {"protocol": "security-breach", "steps": (Step(id="rotate", text="Rotate keys"),)},
        "incident.declared": {"title": "Checkout API returning 500s", "severity": "SEV2"},
        "incident.retitled": {"title": "Checkout API returning 500s (EU)"},
        "severity.changed": {"severity": "SEV1", "reason": "all checkouts fail"},
        "status.changed": {"status": "identified"},
        "impact.assessed": {"field": "users_affected", "value": "40%"},
        "step.done": {"step": "declare"},
        "step.skipped": {"step": "open-bridge", "reason": "already on the war-room call"},
        "step.reopened": {"step": "open-bridge"},
        "role.assigned": {"role": "commander", "handle": "alice"},
        "role.released": {"role": "commander", "handle": "alice"},
        "member.joined": {"handle": "bob", "status": "paged"},
        "member.status": {"handle": "bob", "status": "engaged"},
        "ask.started": {"handle": "bob", "task": "check replica lag", "minutes": 10},
        "ask.done": {"ask": 15},
        "health.changed": {"endpoint": "payments-api", "from": "up", "to": "down",
                           "detail": "timeout after 2.0s"},
        "health.summary": {"endpoints": {"payments-api": {"p50_ms": 812.0, "state": "down"}}},
        "note.added": {"text": "roll back deploy 2026.11.27-3", "tag": "decision"},
        "update.posted": {"text": "Payments timing out;\nrolling back", "audience": "external",
                          "next_update_at": T0 + timedelta(minutes=30)},
        "retro.note": {"text": "nobody watched the payments dashboard", "about": T0},
        "seat.joined": {"handle": "carol", "read_only": True},
        "seat.left": {"handle": "carol", "read_only": True},
        "drill.inject": {"text": "A customer tweets about failed payments"},
        "alert.firing": {"fingerprint": "5e1f", "alertname": "HighErrorRate", "severity": "critical",
                         "summary": "checkout 5xx above 5%", "labels": {"job": "checkout"},
                         "starts_at": T0},
        "alert.resolved": {"fingerprint": "5e1f", "alertname": "HighErrorRate", "severity": "critical",
                           "summary": "checkout 5xx above 5%", "starts_at": T0,
                           "ends_at": T0 + timedelta(minutes=9)},
        "page.sent": {"handle": "carol", "service": "pagerduty", "message": "SEV2 checkout errors",
                      "dedup_key": "cockpit-checkout-carol", "detail": "Event processed"},
        "page.acknowledged": {"handle": "carol", "dedup_key": "cockpit-checkout-carol",
                              "detail": "joined"},
        "link.added": {"url": "https://meet.example.com/checkout", "label": "War room",
                       "link_kind": "bridge"},
        "update.delivered": {"update": 20, "destination": "status-page", "ok": True,
                             "detail": "HTTP 201 from api.statuspage.io"},
        "moment.marked": {"moment": "impact_started"},
        "action.updated": {"action": 16, "owner": "bob", "type": "prevent", "status": "done"},
        "review.updated": {"owner": "alice", "reviewers": "bob, carol", "date": "2026-11-30"},
    }
    kind = cls.model_fields["kind"].default
    assert kind in fields, f"add a sample of {kind} to this table"
    return cls.model_validate({"kind": kind, **fields[kind]})


def recorded() -> list[ev.Event]:
    """Every known kind once, stamped as the journal would, by the drill for its own kinds."""
    out = []
    for seq, cls in enumerate(ev.KNOWN_EVENTS, 1):
        event = sample(cls)
        by = DRILL_HANDLE if event.kind in ("drill.inject", "member.joined", "member.status") else "alice"
        by = "health" if event.kind.startswith("health.") else by
        by = "alerts" if event.kind.startswith("alert.") else by
        out.append(event.model_copy(update={"seq": seq, "at": T0 + timedelta(seconds=seq), "by": by}))
    return out


STYLES = {name: Style() for name in ("bad", "warn", "good", "strong", "dim")}


def timeline_words(event: ev.Event, context: Context) -> str:
    """What the timeline pane's row says after its time and author columns."""
    return timeline_line(event, STYLES, context).plain[len("04:10:01  alice     "):]


def printer_words(events: list[ev.Event]) -> dict[int, str]:
    """What ``cockpit drill --no-ui`` prints for each event it shows, after its two time columns."""
    out = io.StringIO()
    session = SimpleNamespace(events=[])
    runner = SimpleNamespace(scenario_time=lambda at: (at - T0).total_seconds())
    printer = _Printer(runner, session, out)  # type: ignore[arg-type]
    shown: dict[int, str] = {}
    for event in events:
        session.events.append(event)
        before = len(out.getvalue())
        printer.catch_up()
        line = out.getvalue()[before:]
        if line:
            match = re.fullmatch(r"\d\d:\d\d:\d\dZ +T\+\d+:\d\d  (.*)\n", line)
            assert match, line
            shown[event.seq] = match.group(1)
    return shown


def test_every_known_kind_has_words_of_its_own():
    assert narrated_kinds() == set(ev.KINDS)
    for cls in ev.KNOWN_EVENTS:
        event = sample(cls)
        words = narrate(event, Context({s.id: s.text for s in STEPS}))
        assert words and words != narrate_raw(event), event.kind
        assert not words.startswith(f"{event.kind}:"), words
        assert "\n" not in words


def test_the_timeline_the_report_and_the_drill_printer_say_the_same_words():
    events = recorded()
    context = Context({s.id: s.text for s in STEPS}, events)
    report = build_report(HEADER, events)
    in_report = {row["seq"]: row["text"] for row in report["timeline"]}
    printed = printer_words(events)
    markdown = render_markdown(report)
    for event in events:
        words = narrate(event, context)
        assert timeline_words(event, context) == words, event.kind
        if event.kind not in TIMELINE_LEAVES_OUT:
            assert in_report[event.seq] == words, event.kind
        if event.kind in ("health.changed", "drill.inject", "member.joined", "member.status"):
            assert printed[event.seq] == words, event.kind
    assert set(printed) == {e.seq for e in events if e.kind in (
        "health.changed", "drill.inject", "member.joined", "member.status")}
    # a few of the words, spelled out: the table above would pass with any words at all
    said = {e.kind: narrate(e, context) for e in events}
    assert said["incident.declared"] == "declared SEV2 (major): Checkout API returning 500s"
    assert said["severity.changed"] == "severity → SEV1 (critical) because all checkouts fail"
    assert said["step.done"] == "step done: Declare the incident"
    assert said["health.changed"] == "payments-api up → down (timeout after 2.0s)"
    assert said["update.posted"] == "external update (next by 04:40): Payments timing out; ↵ rolling back"
    assert said["ask.done"] == "ask #15 answered (bob: check replica lag)"
    assert said["session.configured"] == ("configured: protocol major-incident (3 steps), 2 people on the "
                                          "roster, 1 endpoint watched")
    assert said["drill.inject"] == "drill inject: A customer tweets about failed payments"
    assert "| 2026-11-27 04:10:03 UTC | alice | declared SEV2 (major): Checkout API returning 500s |" in markdown


def test_replay_key_moments_are_named_in_the_same_words():
    events = recorded()
    cursor = ReplayCursor(events)
    context = Context({}, events)
    assert [k.label for k in cursor.key_moments] == [
        narrate(e, context) for e in events
        if e.kind in ("incident.declared", "severity.changed", "status.changed", "role.assigned",
                      "role.released", "health.changed", "alert.firing", "alert.resolved",
                      "update.posted", "moment.marked")
        or (e.kind == "note.added" and e.tag == "decision")]


def test_unknown_kinds_are_shown_raw_everywhere():
    raw = ev.parse_event({"seq": 3, "at": T0, "by": "pager", "kind": "pager.escalated",
                          "team": "db", "level": 2})
    assert isinstance(raw, ev.RawEvent)
    words = 'pager.escalated: team="db", level=2'
    assert narrate(raw) == words
    assert timeline_words(raw, Context()) == words
    report = build_report(HEADER, [raw])
    assert report["timeline"][0]["text"] == words and report["timeline"][0]["raw"] == {"team": "db", "level": 2}


def test_what_people_and_endpoints_typed_cannot_reach_the_terminal_as_control():
    hostile = "\x1b]0;pwned\x07hello \x1b[31mred\x1b[0m\nworld\x9b"
    events = [ev.NoteAdded(seq=1, at=T0, by="bob", text=hostile),
              ev.HealthChanged.model_validate({"seq": 2, "at": T0, "by": "health", "endpoint": "api\x1b[2J",
                                               "from": "up", "to": "down", "detail": hostile}),
              ev.parse_event({"seq": 3, "at": T0, "by": "x", "kind": "odd\x1b[31m.kind", "v": hostile})]
    for event in events:
        words = narrate(event)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", words), words
        assert "\n" not in words
    assert narrate(events[0]) == "hello red ↵ world"  # its two lines, said as two


def test_a_handover_shows_its_briefing_once_on_the_assignment():
    briefing = "rollback half done, watch the EU error rate"
    events = [ev.RoleAssigned(seq=1, at=T0, by="alice", role="commander", handle="alice"),
              ev.RoleReleased(seq=2, at=T0 + timedelta(minutes=5), by="alice", role="commander",
                              handle="alice", briefing=briefing),
              ev.RoleAssigned(seq=3, at=T0 + timedelta(minutes=5), by="alice", role="commander",
                              handle="bob", briefing=briefing)]
    context = Context({}, events)
    lines = [narrate(e, context) for e in events]
    assert lines == ["alice took incident commander", "alice released incident commander",
                     f"bob took incident commander — briefing: {briefing}"]
    report = build_report(HEADER, events)
    assert [row["text"] for row in report["timeline"]] == lines
    assert render_markdown(report).count(briefing.split(",")[0]) == 1
    assert [timeline_words(e, context) for e in events] == lines
    # a release with a briefing and no assignment carrying it keeps its own words
    alone = ev.RoleReleased(seq=9, at=T0, role="ops", handle="bob", briefing="db failover done")
    assert narrate(alone, context) == "bob released ops lead — briefing: db failover done"


def test_a_step_closed_by_the_cockpit_names_its_evidence_calmly():
    proof = ev.HealthChanged.model_validate({"seq": 7, "at": T0, "by": "health", "endpoint": "payments-api",
                                             "from": "down", "to": "up"})
    closed = ev.StepDone(seq=8, at=T0, by=COCKPIT, step="mitigate", evidence=7)
    context = Context({s.id: s.text for s in STEPS}, [proof, closed])
    words = "closed by the record: Choose a mitigation (evidence: #7 payments-api down → up)"
    assert narrate(closed, context) == words
    assert timeline_words(closed, context) == words
    report = build_report(HEADER, [ev.SessionConfigured(seq=1, at=T0, protocol="p", steps=STEPS), proof, closed])
    assert report["timeline"][-1]["text"] == words
    # without the record at hand the step is still named, and the proof by its number
    assert narrate(closed, {s.id: s.text for s in STEPS}) == \
        "closed by the record: Choose a mitigation (evidence: #7)"


def test_a_step_done_twice_is_listed_once_the_first_in_fold_order():
    """Two seats racing to tick the same one-off step: the fold keeps the first, so does the report."""
    events = [
        ev.SessionConfigured(seq=1, at=T0, protocol="p", steps=STEPS),
        ev.IncidentDeclared(seq=2, at=T0, by="alice", title="x", severity="SEV2"),
        # seq 4 was stamped earlier than seq 3: the fold, ordered by (at, seq), takes bob's first
        ev.StepDone(seq=4, at=T0 + timedelta(seconds=30), by="bob", step="open-bridge"),
        ev.StepDone(seq=3, at=T0 + timedelta(seconds=31), by="carol", step="open-bridge"),
    ]
    report = build_report(HEADER, events)
    done = [row for row in report["timeline"] if row["kind"] == "step.done"]
    assert [(row["seq"], row["by"], row["text"]) for row in done] == [(4, "bob", "step done: Open the bridge call")]
    step = next(s for s in report["protocol"]["steps"] if s["id"] == "open-bridge")
    assert (step["by"], step["times_done"]) == ("bob", 1)
    assert render_markdown(report).count("step done: Open the bridge call") == 1


def test_a_role_is_credited_only_as_the_fold_holds_it():
    events = [
        ev.SessionConfigured(seq=1, at=T0, protocol="p", steps=STEPS),
        ev.IncidentDeclared(seq=2, at=T0, by="alice", title="x", severity="SEV2"),
        ev.RoleAssigned(seq=3, at=T0 + timedelta(minutes=2), by="alice", role="commander", handle="alice"),
        ev.RoleAssigned(seq=4, at=T0 + timedelta(minutes=3), by="bob", role="commander", handle="alice"),
        ev.RoleReleased(seq=5, at=T0 + timedelta(minutes=4), by="bob", role="ops", handle="bob"),
    ]
    report = build_report(HEADER, events)
    people = {p["handle"]: p for p in report["responders"]}
    assert [(t["role"], t["from"]) for t in people["alice"]["roles"]] == [("commander", T0 + timedelta(minutes=2))]
    assert "bob" not in people  # released a role he never held: no term, no responder
    kinds = [(row["seq"], row["kind"]) for row in report["timeline"]]
    assert (4, "role.assigned") not in kinds and (5, "role.released") not in kinds
    assert report["metrics"]["time_to_acknowledge_s"] == 120.0


@pytest.mark.parametrize("kind", sorted(TIMELINE_LEAVES_OUT))
def test_what_the_report_leaves_out_the_timeline_pane_still_tells(kind):
    event = next(e for e in recorded() if e.kind == kind)
    assert timeline_words(event, Context()) == narrate(event)


def test_the_narrator_is_headless():
    """``cockpit report`` and ``cockpit status`` tell events without loading a terminal library."""
    probe = ("import sys, cockpit.narrate, cockpit.summary, cockpit.retro.report; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cockpit_status_tells_the_last_event_in_the_same_words(incident):
    from cockpit.session import Session
    from cockpit.summary import status_document, status_text
    from cockpit.tomlfmt import toml_datetime

    session = Session.open(incident, read_only=True)
    last = session.events[-1]
    context = Context({s.id: s.text for _, s in session.state.all_steps()}, session.events)
    words = narrate(last, context)
    assert words == "retro note: impact: EU shoppers could not pay"
    doc = status_document(session, last.at)
    assert doc["last_event"] == {"seq": last.seq, "at": toml_datetime(last.at), "by": "carol",
                                 "kind": "retro.note", "text": words}
    assert f"last {last.at:%H:%M:%S} UTC carol: {words}" in status_text(session, last.at).splitlines()
    note = next(e for e in reversed(session.events) if e.kind == "note.added")
    report = build_report(session.header, session.events)
    assert next(r["text"] for r in report["timeline"] if r["seq"] == note.seq) == \
        narrate(note, context) == "checkout still slow, watching"
