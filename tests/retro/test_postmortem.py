"""The postmortem model: key moments marked or inferred, the metrics they give, action items,
the review, sections from retro notes, and steps the record proves done."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cockpit.domain import events as ev
from cockpit.domain.state import fold
from cockpit.retro.postmortem import build_postmortem, incident_metrics, key_moments
from cockpit.retro.report import build_report
from cockpit.settings import Config, load_protocol

T0 = datetime(2026, 11, 27, 4, 0, tzinfo=timezone.utc)
HEADER = {"session": "t", "drill": False}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def numbered(*events: ev.Event) -> list[ev.Event]:
    """Seq in file order, then the one order every view folds by: at, then seq."""
    out = [e.model_copy(update={"seq": i}) for i, e in enumerate(events, 1)]
    return sorted(out, key=lambda e: (e.at, e.seq))


def health(minutes: float, endpoint: str, old: str, new: str) -> ev.HealthChanged:
    return ev.HealthChanged.model_validate({"at": at(minutes), "by": "health", "endpoint": endpoint,
                                            "from": old, "to": new})


def moments_of(events):
    state = fold(events)
    return {m.moment: m for m in key_moments(events, state)}


def test_moments_are_inferred_from_health_alerts_and_status():
    events = numbered(
        health(0, "api", "unknown", "up"),  # the opening check is no trouble
        health(3, "api", "up", "down"),
        ev.AlertFiring(at=at(5), by="alerts", fingerprint="f", alertname="HighErrors", starts_at=at(2)),
        ev.IncidentDeclared(at=at(6), by="alice", title="api down", severity="SEV2"),
        ev.StatusChanged(at=at(20), by="alice", status="monitoring"),
        health(25, "api", "down", "up"),
        ev.AlertResolved(at=at(28), by="alerts", fingerprint="f", alertname="HighErrors", ends_at=at(27)),
        ev.StatusChanged(at=at(40), by="alice", status="resolved"),
    )
    moments = moments_of(events)
    assert (moments["impact_started"].at, moments["impact_started"].source) == (at(2), "alert HighErrors firing")
    assert (moments["detected"].at, moments["detected"].source) == (at(3), "health check of api (down)")
    assert moments["mitigated"].at == at(20)
    assert (moments["restored"].at, moments["restored"].source) == (at(27), "alert HighErrors resolved")
    assert all(m.inferred for m in moments.values())
    metrics = incident_metrics(events, fold(events))
    assert (metrics.time_to_detect_s, metrics.time_to_mitigate_s, metrics.time_to_restore_s,
            metrics.outage_s, metrics.incident_s) == (60, 14 * 60, 21 * 60, 25 * 60, 34 * 60)


def test_a_marked_moment_wins_and_an_inferred_one_never_replaces_it():
    events = numbered(
        ev.IncidentDeclared(at=at(0), by="alice", title="x", severity="SEV2"),
        ev.MomentMarked(at=at(10), by="alice", moment="mitigated"),
        ev.MomentMarked(at=at(12), by="tool", moment="mitigated", inferred=True),
        ev.StatusChanged(at=at(15), by="alice", status="monitoring"),
        ev.StatusChanged(at=at(30), by="alice", status="resolved"),
    )
    mitigated = moments_of(events)["mitigated"]
    assert (mitigated.at, mitigated.inferred, mitigated.source) == (at(10), False, "marked by alice")


def test_identified_straight_to_resolved_still_has_a_time_to_mitigate():
    events = numbered(
        ev.IncidentDeclared(at=at(0), by="alice", title="x", severity="SEV3"),
        ev.StatusChanged(at=at(5), by="alice", status="identified"),
        ev.StatusChanged(at=at(25), by="alice", status="resolved"),
    )
    report = build_report(HEADER, events)
    assert report["metrics"]["time_to_mitigate_s"] == 25 * 60
    assert report["metrics"]["impact_started_at"] is None and report["metrics"]["outage_s"] is None
    assert any(g.startswith("impact started: not in the record") for g in report["postmortem"]["gaps"])


def test_action_items_merge_their_updates_and_the_review_its_fields():
    events = numbered(
        ev.IncidentDeclared(at=at(0), by="alice", title="x", severity="SEV2"),
        ev.NoteAdded(at=at(1), by="bob", text="add load shedding", tag="action"),
        ev.NoteAdded(at=at(2), by="bob", text="page the database team sooner", tag="action"),
        ev.ActionUpdated(at=at(60), by="alice", action=2, owner="bob", type="prevent", ticket="INC-1"),
        ev.ActionUpdated(at=at(61), by="alice", action=2, status="done", ticket=""),
        ev.ReviewUpdated(at=at(62), by="alice", owner="alice", reviewers="bob, carol"),
        ev.ReviewUpdated(at=at(63), by="alice", date="2026-11-30", status="in_review"),
    )
    pm = build_postmortem(events, fold(events))
    first, second = pm.action_items
    assert (first.text, first.owner, first.type, first.ticket, first.status) == (
        "add load shedding", "bob", "prevent", None, "done")
    assert (second.owner, second.status) == (None, "open")
    assert (pm.review.owner, pm.review.reviewers, pm.review.date, pm.review.status) == (
        "alice", ("bob", "carol"), "2026-11-30", "in_review")
    assert any(g.startswith("action #3 has no owner") for g in pm.gaps)


def test_sections_come_from_categories_and_older_notes_keep_their_question():
    events = numbered(
        ev.IncidentDeclared(at=at(0), by="alice", title="x", severity="SEV2"),
        ev.RetroNote(at=at(90), by="bob", text="a leak when a term is not in the corpus", category="root_cause"),
        ev.RetroNote(at=at(91), by="bob", text="how: nobody load-tested the new index"),
        ev.RetroNote.model_validate({"at": at(92), "by": "bob", "text": "the canary was skipped",
                                     "question": "how"}),
        ev.RetroNote(at=at(93), by="bob", text="the mailing list had the sonnet", category="lucky"),
    )
    pm = build_postmortem(events, fold(events))
    assert [n.text for n in pm.root_cause.notes] == ["a leak when a term is not in the corpus"]
    assert [n.text for n in pm.contributing.notes] == ["nobody load-tested the new index", "the canary was skipped"]
    assert [n.text for n in pm.lucky.notes] == ["the mailing list had the sonnet"]
    assert pm.went_well.notes == () and "category=went_well" in pm.went_well.gap


def test_a_decision_in_a_file_no_seat_closed_still_closes_choose_a_mitigation():
    """A file written by another tool: the decision is there, the cockpit's step.done is not."""
    protocol = load_protocol("major-incident", Config())
    events = numbered(
        ev.SessionConfigured(at=at(0), by="alice", protocol=protocol.name, steps=protocol.steps),
        ev.IncidentDeclared(at=at(0), by="alice", title="x", severity="SEV2"),
        ev.NoteAdded(at=at(12), by="bob", text="roll back deploy 42", tag="decision"),
        ev.StatusChanged(at=at(40), by="alice", status="resolved"),
    )
    report = build_report(HEADER, events)
    step = next(s for s in report["protocol"]["steps"] if s["id"] == "mitigate")
    assert (step["state"], step["by"], step["at"], step["evidence"]) == ("done", "cockpit", at(12), 3)
    assert "mitigate" not in [s["id"] for s in report["protocol"]["not_done"]]
