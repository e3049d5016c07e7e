"""``cockpit drill`` from the command line: headless runs, bad input, the default scenario for real."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.session import Session

ROOT = Path(__file__).resolve().parents[2]

QUICK = """\
[scenario]
name = "quick"
title = "Quick"
incident_title = "API erroring"
ends_at = "30s"

[[services]]
name = "api"
interval = "100ms"
baseline_ms = 0
jitter_ms = 0

[[services.phases]]
at = "0s"
behaviour = "healthy"

[[services.phases]]
at = "12s"
behaviour = "erroring"
message = "boom"

[[injects]]
at = "3s"
text = "Pager says \\u001b]0;pwned\\u0007hello \\u001b[31mred\\u001b[0m world"
"""


def test_headless_drill_prints_changes_and_injects_and_ends_with_the_story(tmp_path, capsys):
    scenario = tmp_path / "quick.toml"
    scenario.write_text(QUICK)
    code = main(["drill", str(scenario), "--no-ui", "--speed", "20", "--session", str(tmp_path / "d.toml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"session: {tmp_path / 'd.toml'}" in out
    # UTC time, scenario time, then the narrator's words: the timeline and the report say the same
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+0:0\d  drill inject: Pager says hello red world$", out, re.M), out
    assert "\x1b" not in out and "\x07" not in out
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+0:0\d  api unknown → up \(status 200\)$", out, re.M), out
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+0:\d\d  api (degraded|up) → down \(status 500\)$", out, re.M), out
    assert "drill over at scenario time 0:3" in out
    recorded = Session.open(tmp_path / "d.toml").events
    assert any(isinstance(e, ev.HealthChanged) and e.to == "down" and e.by == "health" for e in recorded)


def test_duration_without_no_ui_is_bad_usage(capsys):
    assert main(["drill", "--duration", "5"]) == 2
    assert "--duration stops a headless drill" in capsys.readouterr().err


def test_unknown_scenario_is_bad_usage_naming_the_available_ones(capsys):
    assert main(["drill", "no-such-drill", "--no-ui"]) == 2
    assert "no scenario named 'no-such-drill'; available: checkout-outage" in capsys.readouterr().err


def test_existing_session_file_is_not_overwritten(tmp_path, capsys):
    existing = tmp_path / "taken.toml"
    existing.write_text("keep me")
    assert main(["drill", "--no-ui", "--duration", "1", "--session", str(existing)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "keep me"


def test_interrupted_headless_drill_says_so_and_keeps_the_session(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    drill = subprocess.Popen([sys.executable, "-m", "cockpit", "drill", "--no-ui", "--session", "i.toml"],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert drill.stdout is not None
    lines = [drill.stdout.readline(), drill.stdout.readline()]  # blocks until the drill is up
    assert lines[1] == "session: i.toml\n"
    drill.send_signal(signal.SIGINT)
    out, err = drill.communicate(timeout=20)
    assert drill.returncode == 130 and err == ""
    assert "drill interrupted at scenario time 0:0" in out
    session = Session.open(tmp_path / "i.toml")
    assert session.drill and session.recovery is None


@pytest.mark.slow
def test_default_drill_as_a_real_process_writes_a_drill_session(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "drill", "--no-ui", "--duration", "25", "--speed", "10",
         "--session", "x.toml"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = (tmp_path / "x.toml").read_text()
    assert "drill = true" in text.split("[[events]]")[0]
    session = Session.open(tmp_path / "x.toml")
    assert session.drill and session.header["scenario"] == "checkout-outage"
    changes = [e for e in session.events if isinstance(e, ev.HealthChanged)]
    injects = [e for e in session.events if isinstance(e, ev.DrillInject)]
    assert ("payments-api", "down") in {(c.endpoint, c.to) for c in changes}
    assert {"storefront", "checkout-api", "inventory", "auth", "search"} <= {c.endpoint for c in changes}
    assert len(injects) >= 4 and injects[0].text.startswith("Deploy 2026.11.27-3")
    assert session.state.members["bob"].status == "engaged"
    out = result.stdout
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+\d+:\d\d  payments-api \w+ → down", out, re.M), out
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+\d+:\d\d  drill inject: A customer tweets", out, re.M), out
    assert re.search(r"^\d\d:\d\d:\d\dZ +T\+\d+:\d\d  bob joined \(engaged\)$", out, re.M), out
    assert "drill over at scenario time 4:1" in result.stdout
