"""Drill objectives: read from scenario files with friendly errors, kept in the drill session's
header, and scored by the report in scenario time at the drill's speed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.drill.scenario import load_scenario
from cockpit.retro.markdown import render_markdown
from cockpit.retro.report import report_for_session
from cockpit.settings import ConfigError

SCENARIO = """\
[scenario]
name = "scored"
title = "Scored"
incident_title = "API erroring"

[[services]]
name = "api"

[[services.phases]]
at = "0s"
behaviour = "healthy"
{objectives}
"""

OBJECTIVES = [
    {"kind": "severity", "target": "SEV1", "within": "5m"},
    {"kind": "role", "target": "commander", "within": "2m"},
    {"kind": "update", "target": "external", "within": "10m"},
    {"kind": "status", "target": "monitoring", "within": "30m", "text": "mitigated within half an hour"},
]


def _write(tmp_path: Path, objectives: str) -> Path:
    path = tmp_path / "scored.toml"
    path.write_text(SCENARIO.format(objectives=objectives))
    return path


def test_objectives_read_from_a_scenario_file(tmp_path):
    path = _write(tmp_path, '\n[[objectives]]\nkind = "step"\ntarget = "failover"\nwithin = "15m"\n')
    [objective] = load_scenario(path).objectives
    assert (objective.kind, objective.target, objective.within.total_seconds()) == ("step", "failover", 900)
    assert objective.label == "step failover done within 15m"


@pytest.mark.parametrize("table, says", [
    ('kind = "severity"\ntarget = "SEV9"\nwithin = "5m"', "target is one of SEV1, SEV2"),
    ('kind = "speed"\ntarget = "x"\nwithin = "5m"', "objectives[0].kind"),
    ('kind = "role"\ntarget = "captain"\nwithin = "5m"', "target is one of commander, deputy"),
    ('kind = "update"\ntarget = "external"\nwithin = "soon"', "is not a duration"),
    ('kind = "update"\ntarget = "external"', "objectives[0].within: required field is missing"),
    ('kind = "status"\ntarget = "monitoring"\nwithin = "5m"\ndeadline = "x"', "unknown field"),
])
def test_a_bad_objective_is_said_with_its_line_and_field(tmp_path, capsys, table, says):
    path = _write(tmp_path, f"\n[[objectives]]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert says in str(caught.value)
    assert re.search(r"line 1[3-7],", str(caught.value))  # [[objectives]] is line 13, its fields after
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_step_objective_the_protocol_lacks_stops_the_drill_before_it_starts(tmp_path, capsys):
    path = _write(tmp_path, '\n[[objectives]]\nkind = "step"\ntarget = "teleport"\nwithin = "5m"\n')
    assert main(["drill", str(path), "--no-ui", "--duration", "1", "--session", str(tmp_path / "d.toml")]) == 2
    assert "has no step 'teleport'" in capsys.readouterr().err
    assert not (tmp_path / "d.toml").exists()
    assert main(["validate", str(path)]) == 2
    assert "the protocol 'major-incident' has no step 'teleport'" in capsys.readouterr().err


def test_the_report_scores_each_objective_in_scenario_time_at_the_drill_speed(make_session, clock):
    """At --speed 10, 20 real seconds are 200 scenario seconds: inside 5 minutes, past 2."""
    session = make_session(severity="SEV2", drill=True, speed=10.0, objectives=OBJECTIVES)
    clock.advance(15)  # 150 scenario seconds: the commander came 30 s past the 2 minutes
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    clock.advance(5)  # 200 scenario seconds: SEV1 within 5 minutes
    session.record(ev.SeverityChanged(severity="SEV1", reason="all regions"))
    clock.advance(100)  # 1200 scenario seconds: monitoring within 30 minutes
    session.record(ev.StatusChanged(status="monitoring"))
    report = report_for_session(session)
    scored = {s["objective"]: s for s in report["objectives"]["scores"]}
    assert scored["severity SEV1 within 5m"]["outcome"] == "met"
    assert scored["severity SEV1 within 5m"]["achieved_s"] == 200
    assert scored["commander named within 2m"]["outcome"] == "late"
    assert scored["commander named within 2m"]["late_by_s"] == 30
    assert scored["first external update within 10m"]["outcome"] == "missed"
    assert scored["mitigated within half an hour"]["outcome"] == "met"
    assert (report["objectives"]["met"], report["objectives"]["total"]) == (2, 4)
    text = render_markdown(report)
    assert "Score: 2 of 4 met (scenario time, at 10x speed)." in text
    assert "| commander named within 2m | ✘ late | T+2m 30s | 30s |" in text


def test_resolving_straight_away_meets_a_monitoring_objective_and_severity_counts_from_the_declaration(
        make_session, clock):
    session = make_session(severity="SEV1", drill=True, speed=1.0, objectives=OBJECTIVES[:1] + OBJECTIVES[3:])
    clock.advance(600)
    session.record(ev.StatusChanged(status="resolved"))
    scores = report_for_session(session)["objectives"]["scores"]
    assert [(s["outcome"], s["achieved_s"]) for s in scores] == [("met", 0.0), ("met", 600.0)]


def test_a_session_without_objectives_has_no_score(make_session):
    assert report_for_session(make_session())["objectives"] is None


def test_the_bundled_scenarios_state_objectives_their_protocols_can_meet(capsys):
    folder = Path(__file__).resolve().parents[2] / "config" / "scenarios"
    scored = [load_scenario(path) for path in sorted(folder.glob("*.toml"))]
    assert any(s.objectives for s in scored)
    assert main(["validate", *map(str, sorted(folder.glob("*.toml")))]) == 0
