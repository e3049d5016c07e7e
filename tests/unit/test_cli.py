"""The headless commands, run as real processes: what people type and what they see."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def cockpit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=os.environ.copy())


def test_new_log_status_sessions_round_trip(tmp_path):
    made = cockpit("new", "--no-ui", "--title", "Checkout API returning 500s", "--severity", "sev1")
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.strip())
    assert path.name.endswith("-checkout-api-returning-500s.toml") and path.is_file()
    logged = cockpit("log", "checkout", "roll back deploy 2026.11.27-3", "--kind", "decision", "--as", "bob")
    assert logged.returncode == 0, logged.stderr
    assert "logged decision #4" in logged.stdout and "by bob" in logged.stdout
    status = json.loads(cockpit("status", str(path), "--json").stdout)
    assert status["title"] == "Checkout API returning 500s" and status["severity"] == "SEV1"
    # the decision also closed "choose a mitigation": one step.done by the cockpit
    assert status["counts"] == {"events": 5, "notes": 1, "updates": 0}
    assert status["protocol"]["names"] == ["major-incident"]
    human = cockpit("status", "2026")
    assert human.returncode == 0 and "SEV1  Checkout API returning 500s" in human.stdout
    listed = json.loads(cockpit("sessions", "--json").stdout)
    assert [row["path"] for row in listed] == [str(path)]


def test_bad_input_exits_2_without_traceback_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "s.toml"
    assert cockpit("new", "--no-ui", "--title", "x", "--session", str(path)).returncode == 0
    before = path.read_bytes()
    for args in (["log", str(path), "   "], ["log", str(path), "x", "--kind", "rumour"],
                 ["status", "no-such-session"], ["new", "--no-ui", "--title", "y", "--severity", "SEV9"],
                 ["new", "--no-ui", "--title", "y", "--session", str(path)],
                 ["new", "--no-ui", "--title", "z", "--protocol", "nope"]):
        result = cockpit(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.strip()
    assert path.read_bytes() == before


def test_validate_reports_each_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[people]]\nhandle = "a"\nroles = ["captain"]\n')
    good = Path(__file__).parents[2] / "config" / "cockpit.toml"
    result = cockpit("validate", str(good), str(bad))
    assert result.returncode == 2
    assert "valid config" in result.stdout
    assert "line 3, people[0].roles[0]" in result.stderr and "Traceback" not in result.stderr


def test_validate_a_session_with_unknown_kinds(tmp_path):
    path = tmp_path / "s.toml"
    cockpit("new", "--no-ui", "--title", "x", "--session", str(path))
    with path.open("a") as handle:
        handle.write('\n[[events]]\nat = 2026-11-27T05:00:00.000Z\nby = "x"\nkind = "future.kind"\nseq = 4\n')
    result = cockpit("validate", str(path))
    assert result.returncode == 0 and "4 events" in result.stdout and "1 events of kinds" in result.stdout


def test_headless_commands_do_not_import_textual():
    code = ("import sys, cockpit.cli, cockpit.summary, cockpit.session, cockpit.journal, "
            "cockpit.domain.state, cockpit.validate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.parametrize("command", ["new", "open", "log", "status", "probe", "drill", "replay",
                                     "report", "validate", "sessions", "web"])
def test_every_command_has_help(command):
    result = cockpit(command, "--help")
    assert result.returncode == 0 and "usage: cockpit" in result.stdout


def test_validate_points_at_a_broken_condition(tmp_path):
    config = tmp_path / "cockpit.toml"
    config.write_text('[[endpoints]]\nname = "api"\nurl = "http://127.0.0.1:9/healthz"\n'
                      'conditions = ["[STATUS] == 200", "[BODY].status = ok"]\n')
    result = cockpit("validate", str(config))
    assert result.returncode == 2
    assert "endpoint 'api'" in result.stderr and "^" in result.stderr and "Traceback" not in result.stderr


def test_probe_help_documents_exit_codes():
    assert "exit codes: 0 every endpoint is up" in cockpit("probe", "--help").stdout


def test_validate_names_a_torn_session_as_recoverable(tmp_path):
    path = tmp_path / "s.toml"
    cockpit("new", "--no-ui", "--title", "x", "--session", str(path))
    with path.open("a") as handle:
        handle.write('\n[[events]]\nat = 2026-11-27T05:00:00.000Z\nby = "x"\nkind = "note.added"\ntext = "cut of')
    before = path.read_bytes()
    result = cockpit("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "3 events" in result.stdout and "a torn last event" in result.stdout
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]  # reading never writes


def test_an_empty_handle_is_refused():
    result = cockpit("new", "--no-ui", "--title", "x", "--as", " ")
    assert result.returncode == 2 and "not a handle" in result.stderr


def test_a_missing_config_is_refused_by_every_command(tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    cockpit("new", "--no-ui", "--title", "x", "--session", str(path))
    for args in (["--config", "/nonexistent.toml", "status", str(path)],
                 ["status", str(path), "--config", "/nonexistent.toml"]):
        result = cockpit(*args)
        assert result.returncode == 2 and "no such config file" in result.stderr
    monkeypatch.setenv("COCKPIT_CONFIG", "/nonexistent.toml")
    result = cockpit("status", str(path))
    assert result.returncode == 2 and "$COCKPIT_CONFIG" in result.stderr


def test_status_tells_times_as_people_read_them(tmp_path):
    path = tmp_path / "s.toml"
    assert cockpit("new", "--no-ui", "--title", "Checkout down", "--session", str(path)).returncode == 0
    assert cockpit("record", str(path), "ask.started", "handle=bob", "task=check replica lag",
                   "minutes=10").returncode == 0
    shown = cockpit("status", str(path)).stdout
    due = next(line for line in shown.splitlines() if line.startswith("next external update due"))
    assert re.fullmatch(r"next external update due \d\d:\d\d UTC \(in [0-4]:\d\d\)", due), due
    assert "  ask bob: check replica lag · 9:" in shown or "  ask bob: check replica lag · 10:00 left" in shown


def test_a_reader_that_closes_the_pipe_early_is_no_error(tmp_path):
    """``cockpit status --json | head -c 10``: the reader took what it wanted."""
    path = tmp_path / "s.toml"
    assert cockpit("new", "--no-ui", "--title", "x" * 200, "--session", str(path)).returncode == 0
    for n in range(40):  # a document far bigger than a pipe's buffer
        assert cockpit("log", str(path), f"note {n} " + "words " * 300).returncode == 0
    for args in (["status", str(path), "--json"], ["report", str(path)], ["report", str(path), "--format", "json"]):
        reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        writer = subprocess.run([sys.executable, "-m", "cockpit", *args], stdout=reader.stdin,
                                stderr=subprocess.PIPE, text=True, timeout=60)
        reader.stdin.close()
        reader.wait(timeout=30)
        assert (writer.returncode, writer.stderr) == (0, ""), args
