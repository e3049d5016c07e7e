"""The loop the issue asks for: a real drill scores badly on an objective, the revised protocol from
its report validates, and the same team on the revised protocol meets that objective.

The drill runs for real (the fleet on loopback, the health monitor, the headless follower) at
--speed 240. The responder is scripted: it works the protocol's checklist top to bottom, as a team
does, three scenario minutes per step, and records through ``cockpit record --at`` (back-filled
at the scenario times, so the test never sleeps). A step it judges irrelevant still costs it the
three minutes it takes to read and skip it: that is what a checklist that does not fit costs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from cockpit.cli import main
from cockpit.settings import ProtocolFile, load_model
from cockpit.tomlfmt import parse_toml, toml_datetime

SPEED = 240.0
STEP_MINUTES = 3

PROTOCOL = """\
name = "db-outage"
title = "Database outage"
when = ["SEV1", "SEV2"]

[[steps]]
id = "declare"
text = "Declare the incident"
owner = "commander"
due = "1m"
done_on = "declared"

[[steps]]
id = "assign-commander"
text = "Name one incident commander"
owner = "commander"
due = "3m"
done_on = "commander-assigned"

[[steps]]
id = "notify-legal"
text = "Tell legal which customer data may be exposed"
owner = "liaison"
due = "10m"

[[steps]]
id = "failover"
text = "Fail over to the replica"
owner = "ops"
"""

SCENARIO = """\
[scenario]
name = "db-drill"
title = "Database primary dies"
incident_title = "Orders failing: database primary down"
severity = "SEV2"
protocol = "db-outage"
ends_at = "12m"

[[services]]
name = "orders-api"
interval = "250ms"

[[services.phases]]
at = "0s"
behaviour = "healthy"

[[services.phases]]
at = "1m"
behaviour = "erroring"

[[services.phases]]
at = "10m"
behaviour = "healthy"

[[objectives]]
kind = "role"
target = "commander"
within = "4m"

[[objectives]]
kind = "step"
target = "failover"
within = "8m"
"""

SKIPS = {"notify-legal": "no customer data involved: the primary only stopped answering"}
"""What the scripted team judges not to apply, every time it meets it."""


def _config_dir(root: Path, protocol_text: str) -> Path:
    (root / "protocols").mkdir(parents=True)
    (root / "scenarios").mkdir()
    (root / "protocols" / "db-outage.toml").write_text(protocol_text)
    (root / "scenarios" / "db-drill.toml").write_text(SCENARIO)
    (root / "cockpit.toml").write_text('[[people]]\nhandle = "alice"\nroles = ["commander", "ops"]\n')
    return root / "cockpit.toml"


def _declared_at(session: Path) -> datetime:
    data = parse_toml(session.read_text())
    return next(e["at"] for e in data["events"] if e["kind"] == "incident.declared")


def _work_the_checklist(config: Path, session: Path, protocol: ProtocolFile, severity: str) -> None:
    """The scripted responder: each applicable one-off step in order, three scenario minutes
    each, recorded at its scenario time."""
    declared = _declared_at(session)
    minute = 0
    for step in protocol.steps:
        if step.recurring or step.done_on == "declared" or not step.applies_to(severity):
            continue
        minute += STEP_MINUTES
        at = toml_datetime(declared + timedelta(seconds=minute * 60 / SPEED))
        if step.done_on == "commander-assigned":
            fields = ["role.assigned", "role=commander", "handle=alice"]
        elif step.id in SKIPS:
            fields = ["step.skipped", f"step={step.id}", f"reason={SKIPS[step.id]}"]
        else:
            fields = ["step.done", f"step={step.id}"]
        assert main(["--config", str(config), "record", str(session), *fields, "--at", at,
                     "--as", "alice"]) == 0


def _drill(config: Path, session: Path, capsys) -> dict:
    assert main(["--config", str(config), "drill", "db-drill", "--no-ui", "--speed", str(SPEED),
                 "--session", str(session)]) == 0
    assert "drill over" in capsys.readouterr().out
    protocol = load_model(config.parent / "protocols" / "db-outage.toml", ProtocolFile)
    _work_the_checklist(config, session, protocol, "SEV2")
    capsys.readouterr()
    assert main(["--config", str(config), "report", str(session), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _outcomes(report: dict) -> dict[str, str]:
    return {s["objective"]: s["outcome"] for s in report["objectives"]["scores"]}


def test_a_revised_protocol_from_a_drill_validates_and_the_next_drill_scores_better(tmp_path, capsys):
    first_config = _config_dir(tmp_path / "before", PROTOCOL)
    first = _drill(first_config, tmp_path / "first.toml", capsys)
    assert _outcomes(first) == {"commander named within 4m": "met", "step failover done within 8m": "late"}
    assert first["objectives"]["scores"][1]["achieved_s"] == 9 * 60  # the third step: 3 × 3 minutes

    revised = tmp_path / "revised.toml"
    assert main(["--config", str(first_config), "protocol", "revise", str(tmp_path / "first.toml"),
                 "-o", str(revised)]) == 0
    out = capsys.readouterr().out
    assert '+when = ["SEV1"]' in out  # the diff shows the change a reviewer decides on
    assert "# revised: when = ['SEV1']: skipped in 1 of 1 sessions (first at SEV2: no customer data" in out
    assert revised.stat().st_mode & 0o777 == 0o600
    assert main(["validate", str(revised)]) == 0
    assert "valid protocol 'db-outage'" in capsys.readouterr().out
    assert (first_config.parent / "protocols" / "db-outage.toml").read_text() == PROTOCOL  # untouched

    second_config = _config_dir(tmp_path / "after", revised.read_text())
    second = _drill(second_config, tmp_path / "second.toml", capsys)
    assert _outcomes(second) == {"commander named within 4m": "met", "step failover done within 8m": "met"}
    assert second["objectives"]["met"] > first["objectives"]["met"]

    versions = [next(e["version"] for e in parse_toml(p.read_text())["events"]
                     if e["kind"] == "session.configured")
                for p in (tmp_path / "first.toml", tmp_path / "second.toml")]
    assert versions[0] != versions[1]  # insight can tell the protocol before and after
