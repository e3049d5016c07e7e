"""The postmortem of a real drill: `cockpit drill --no-ui` records it, `cockpit report` writes it up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = """\
[scenario]
name = "short-outage"
title = "Short outage"
incident_title = "API erroring"
severity = "SEV1"
protocol = "major-incident"
ends_at = "30s"

[[services]]
name = "api"
service = "checkout"
interval = "100ms"
baseline_ms = 0
jitter_ms = 0

[[services.phases]]
at = "0s"
behaviour = "healthy"

[[services.phases]]
at = "5s"
behaviour = "erroring"
message = "boom"

[[services.phases]]
at = "20s"
behaviour = "healthy"

[[injects]]
at = "3s"
text = "Support: customers | report `failed` payments"
"""


def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True,
                          timeout=90, env=env)


def test_report_of_a_recorded_drill_is_complete_and_marked(tmp_path):
    scenario = tmp_path / "short-outage.toml"
    scenario.write_text(SCENARIO)
    session = tmp_path / "drill.toml"
    drill = cockpit("drill", str(scenario), "--no-ui", "--speed", "10", "--session", str(session))
    assert drill.returncode == 0, drill.stderr

    done = cockpit("report", str(session), "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["incident"]["drill"] is True
    assert doc["incident"]["title"] == "API erroring" and doc["incident"]["worst_severity"] == "SEV1"
    kinds = [row["kind"] for row in doc["timeline"]]
    assert kinds[:2] == ["session.configured", "incident.declared"]
    assert "drill.inject" in kinds
    changes = [row["text"] for row in doc["timeline"] if row["kind"] == "health.changed"]
    assert any(text.startswith("api ") and "→ down" in text for text in changes), changes
    down_at = next(i for i, text in enumerate(changes) if text.startswith("api ") and "→ down" in text)
    assert any(text.startswith("api ") and "→ up" in text for text in changes[down_at:])  # recovered
    assert doc["metrics"]["health_downtime_s"]["api"] > 0
    assert doc["metrics"]["time_in_severity_s"]["SEV1"] > 0
    assert doc["protocol"]["names"] == ["major-incident"] and doc["protocol"]["total"] > 0

    markdown = cockpit("report", str(session))
    assert markdown.returncode == 0, markdown.stderr
    text = markdown.stdout
    assert text.startswith("# DRILL — Postmortem: API erroring\n")
    assert "> **DRILL.** This session was a practice drill" in text
    assert "played at 10× speed" in text and doc["incident"]["drill_speed"] == 10
    assert r"drill inject: Support: customers \| report \`failed\` payments" in text
    for heading in ("## Impact", "## Key metrics", "## Timeline (UTC)", "## Protocol adherence",
                    "## Suggested protocol changes", "## Postmortem meeting"):
        assert heading in text
