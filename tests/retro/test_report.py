"""The report's figures, checked exactly against an incident recorded on a manual clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from cockpit.domain import events as ev
from cockpit.retro.report import add_business_days, build_report, postmortem_due
from cockpit.session import Session

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)


@pytest.fixture
def report(incident):
    session = Session.open(incident, read_only=True)
    return build_report(session.header, session.events)


def test_response_times(report):
    m = report["metrics"]
    assert m["detected_at"] == T0
    assert m["time_to_declare_s"] == 90.0
    assert m["time_to_acknowledge_s"] == 120.0
    assert m["time_to_mitigate_s"] == 43 * 60 + 30
    assert m["time_to_resolve_s"] == 58 * 60 + 30
    assert m["duration_s"] == 58 * 60 + 30


def test_time_in_each_severity_runs_from_declaration_to_resolution(report):
    assert report["metrics"]["time_in_severity_s"] == {"SEV1": 1800.0, "SEV2": 510.0 + 1200.0}


def test_time_down_and_degraded_per_endpoint_runs_to_the_end_of_the_record(report):
    # payments-api down 0:00–50:00; checkout-api degraded 55:00–63:00, then down 63:00–66:00
    assert report["metrics"]["health_downtime_s"] == {"checkout-api": 180.0, "payments-api": 3000.0}
    assert report["metrics"]["health_degraded_s"] == {"checkout-api": 480.0, "payments-api": 0.0}
    affected = {e["name"]: e for e in report["impact"]["endpoints_affected"]}
    assert affected["payments-api"] == {"name": "payments-api", "service": "payments",
                                        "downtime_s": 3000.0, "degraded_s": 0.0}
    assert (affected["checkout-api"]["downtime_s"], affected["checkout-api"]["degraded_s"]) == (180.0, 480.0)


def minutes(m: int, s: int = 0) -> datetime:
    return T0 + timedelta(minutes=m, seconds=s)


def test_every_update_gap_over_the_cadence_and_how_late(report):
    gaps = [(g["step"], g["from"], g["to"], g["update_came"], g["late_by_s"])
            for g in report["metrics"]["missed_update_cadence"]]
    assert gaps == [
        # external: first due 25m after the declaration (met at 5:30), then every 20m
        ("external-update", minutes(5, 30), minutes(31, 30), True, 360.0),
        ("external-update", minutes(31, 30), minutes(60), False, 510.0),
        # internal: first due 15m after the declaration, then every 30m
        ("internal-update", minutes(1, 30), minutes(20), True, 210.0),
        ("internal-update", minutes(20), minutes(60), False, 600.0),
    ]
    assert report["metrics"]["updates"] == {"internal": 1, "external": 2}


def test_incident_header(report):
    inc = report["incident"]
    assert inc["title"] == "Checkout API returning 500s"
    assert inc["drill"] is False
    assert (inc["severity"], inc["worst_severity"], inc["status"]) == ("SEV2", "SEV1", "resolved")
    assert inc["start"] == T0.replace(minute=11, second=30)
    assert inc["end"] == T0.replace(hour=5, minute=10)
    # worst severity SEV1: three calendar days after the resolution (Friday → Monday)
    assert inc["postmortem_due"] == date(2026, 11, 30)


def test_responders_roles_and_time_engaged(report):
    people = {p["handle"]: p for p in report["responders"]}
    assert people["alice"]["engaged_s"] == 58 * 60 + 30
    assert [t["role"] for t in people["alice"]["roles"]] == ["commander"]
    assert people["bob"]["engaged_s"] == 18 * 60  # ops from 12:00, resting from 30:00
    assert people["bob"]["final_status"] == "resting"


def test_protocol_adherence(report):
    p = report["protocol"]
    assert [s["id"] for s in p["skipped"]] == ["open-bridge"]
    assert p["skipped"][0]["reason"] == "already on the war-room call"
    done = {s["id"]: s for s in p["steps"] if s["state"] == "done"}
    assert {"declare", "assign-commander", "first-external-update", "mitigate", "resolve"} <= set(done)
    assert done["assign-commander"]["late_by_s"] is None  # due 3m after 1:30, done at 3:30
    assert {s["id"] for s in p["not_done"]} >= {"assign-roles", "size-up", "stop-changes"}


def test_decisions_followups_and_retro_notes(report):
    assert [(d["by"], d["text"]) for d in report["decisions"]] == [("bob", "roll back deploy 2026.11.27-3")]
    assert [f["text"] for f in report["followups"]] == ["alert on payment | timeouts"]
    notes = [(n["question"], n["text"], n["by"]) for n in report["retro_notes"]]
    assert notes == [("how", "a config push nobody reviewed", "alice"),
                     ("impact", "EU shoppers could not pay", "carol")]


def test_suggestions_cite_their_evidence(report):
    kinds = {(s["kind"], s["step"]) for s in report["suggestions"]}
    assert ("skipped", "open-bridge") in kinds
    assert ("late", "internal-update") in kinds  # both of its intervals overran
    missing = [s for s in report["suggestions"] if s["kind"] == "missing"]
    assert len(missing) == 1 and "page the database on-call" in missing[0]["evidence"]


def test_timeline_leaves_out_periodic_data_and_retro_notes(report):
    kinds = [row["kind"] for row in report["timeline"]]
    assert "retro.note" not in kinds
    assert kinds[:3] == ["session.configured", "health.changed", "incident.declared"]
    assert report["timeline"][1]["text"] == "payments-api unknown → down (timeout after 2.0s)"


def test_postmortem_due_dates():
    friday = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    assert postmortem_due("SEV1", friday) == date(2026, 11, 30)
    assert postmortem_due("SEV2", friday) == date(2026, 12, 4)
    assert postmortem_due("SEV3", friday) is None
    assert add_business_days(date(2026, 11, 30), 5) == date(2026, 12, 7)  # Monday → next Monday


def _recorded(*events):
    """Events stamped one minute apart from T0, as a journal would."""
    base = [ev.SessionConfigured(protocol="p"), ev.IncidentDeclared(by="alice", title="x", severity="SEV2")]
    return [e.model_copy(update={"seq": n, "at": T0 + timedelta(minutes=n), "by": e.by or "alice"})
            for n, e in enumerate((*base, *events), 1)]


def test_someone_who_only_wrote_in_is_a_responder_and_the_machines_are_not():
    events = _recorded(ev.MemberJoined(handle="alice"),
                       ev.NoteAdded(by="carol", text="replica lag is 40 s"),  # cockpit log --as carol
                       ev.HealthChanged.model_validate({"by": "health", "endpoint": "db", "from": "up", "to": "down"}),
                       ev.AlertFiring(by="alerts", fingerprint="f", alertname="DbDown"))
    people = {p["handle"]: p for p in build_report({"session": "s"}, events)["responders"]}
    assert set(people) == {"alice", "carol"}
    assert (people["carol"]["joined_at"], people["carol"]["final_status"]) == (T0 + timedelta(minutes=4), None)


def test_going_straight_to_resolved_is_the_mitigation_too():
    events = _recorded(ev.StatusChanged(status="identified"), ev.StatusChanged(status="resolved"))
    metrics = build_report({"session": "s"}, events)["metrics"]
    assert metrics["time_to_mitigate_s"] == metrics["time_to_resolve_s"] == 120
