"""The journal database from the command line: db init, new/log/status/sessions on a database
session, push and pull, and the report of a pulled file equal to the database's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("pg")


def cockpit(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True,
                          text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_db_init_is_versioned_and_idempotent(pg_server):
    name = pg_server.new_database()
    pg_server.sql(f"CREATE DATABASE {name}_empty")
    admin = pg_server.url(f"{name}_empty", "admin")
    first = cockpit("db", "init", "--journal", admin)
    assert "created the cockpit's tables" in first.stdout and "version 1" in first.stdout
    again = cockpit("db", "init", "--journal", admin)
    assert "up to date" in again.stdout


def test_the_seat_role_needs_no_more_than_its_tables(pg_server):
    """The least-privileged role (the GRANT in docs/journals.md) records, and cannot create
    tables: db init as that role says what refused, without a traceback."""
    name = pg_server.new_database()
    pg_server.sql(f"CREATE DATABASE {name}_bare")
    done = cockpit("db", "init", "--journal", pg_server.url(f"{name}_bare"), ok=False)
    assert done.returncode == 2
    assert "refused" in done.stderr and "Traceback" not in done.stderr


def test_a_session_in_the_database_from_the_command_line(pg_url, tmp_path):
    made = cockpit("new", "--no-ui", "--title", "Checkout down", "--severity", "SEV2",
                   "--journal", pg_url)
    name = made.stdout.strip().splitlines()[-1]
    listed = json.loads(cockpit("sessions", "--json", "--journal", pg_url).stdout)
    assert [row["title"] for row in listed] == ["Checkout down"]
    name = listed[0]["path"]
    cockpit("log", name[:12], "rolled back the deploy", "--kind", "decision", "--journal", pg_url)
    cockpit("record", name, "severity.changed", "severity=SEV1", "reason=spreading",
            "--journal", pg_url)
    status = json.loads(cockpit("status", name, "--json", "--journal", pg_url).stdout)
    assert status["severity"] == "SEV1"
    pulled = tmp_path / "pulled.toml"
    cockpit("pull", name, "--journal", pg_url, "-o", str(pulled))
    from_file = json.loads(cockpit("report", str(pulled), "--format", "json").stdout)
    from_db = json.loads(cockpit("report", name, "--format", "json", "--journal", pg_url).stdout)
    assert from_file == from_db
    decisions = [e for e in from_db["decisions"]] if "decisions" in from_db else None
    assert decisions is None or any("rolled back" in json.dumps(d) for d in decisions)
    assert "rolled back the deploy" in pulled.read_text()


def test_push_publishes_a_file_session_once(pg_url, make_session, tmp_path):
    session = make_session()
    from cockpit.domain import events as ev

    session.record(ev.NoteAdded(text="first look"))
    session.close()
    pushed = cockpit("push", str(session.path), "--journal", pg_url)
    assert "pushed incident" in pushed.stdout
    again = cockpit("push", str(session.path), "--journal", pg_url)
    assert "0 new events" in again.stdout
    pulled = tmp_path / "back.toml"
    cockpit("pull", "incident", "--journal", pg_url, "-o", str(pulled))
    original = json.loads(cockpit("report", str(session.path), "--format", "json").stdout)
    back = json.loads(cockpit("report", str(pulled), "--format", "json").stdout)
    assert back == original


def test_a_password_in_the_url_is_refused(pg_url):
    bad = pg_url.replace("cockpit_seat@", "cockpit_seat:hunter2@")
    done = cockpit("sessions", "--journal", bad, ok=False)
    assert done.returncode == 2 and "password" in done.stderr and "hunter2" not in done.stderr


def test_an_unreachable_database_is_one_clear_paragraph(pg_server, tmp_path: Path):
    url = f"postgresql://cockpit_seat@127.0.0.1:{pg_server.port + 1}/nothing?connect_timeout=2"
    done = cockpit("sessions", "--journal", url, ok=False)
    assert done.returncode == 1, done.stderr
    assert "cannot reach the journal database at 127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr
