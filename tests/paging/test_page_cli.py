"""``cockpit page`` against real receivers: the page goes out, its outcome is recorded either way,
and the exit code says which."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.session import Session
from tests.paging.conftest import ROUTING_KEYS
from tests.paging.receivers import Receivers


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def incident(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "s.toml"
    assert run(capsys, "new", "--no-ui", "--title", "Checkout 500s", "--severity", "SEV1",
               "--session", str(path), "--as", "alice")[0] == 0
    return path


def config_file(tmp_path: Path, paging: str) -> Path:
    path = tmp_path / "cockpit.toml"
    path.write_text(paging)
    return path


def pagerduty_config(tmp_path: Path, receivers: Receivers) -> Path:
    return config_file(tmp_path, f"""
[paging]
ack_warn_after = "3m"

[paging.pagerduty]
url = "{receivers.url('pagerduty')}"
routing_key = "env:PD_DEFAULT"
routing_keys = {{ bob = "env:PD_BOB", ops = "env:PD_OPS" }}
""")


def test_paging_a_person_records_the_page_and_says_where_it_went(tmp_path, receivers, incident, capsys):
    config = pagerduty_config(tmp_path, receivers)
    code, out, err = run(capsys, "page", str(incident), "bob", "--message", "checkout is down",
                         "--as", "alice", "--config", str(config))
    assert (code, err) == (0, "")
    assert out == f"paged bob through PagerDuty: 127.0.0.1:{receivers.port}: Event processed\n"
    [arrived] = receivers.of("pagerduty")
    assert arrived.body["routing_key"] == ROUTING_KEYS["PD_BOB"]
    assert arrived.body["payload"]["severity"] == "critical"
    page = Session.open(incident, read_only=True).state.page_for(handle="bob")
    assert page.ok and page.by == "alice" and page.dedup_key == arrived.body["dedup_key"]


def test_paging_a_role_by_its_name(tmp_path, receivers, incident, capsys):
    config = pagerduty_config(tmp_path, receivers)
    assert run(capsys, "page", str(incident), "ops", "--config", str(config))[0] == 0
    assert receivers.of("pagerduty")[0].body["routing_key"] == ROUTING_KEYS["PD_OPS"]
    assert Session.open(incident, read_only=True).state.page_for(role="ops").waiting


def test_a_page_that_does_not_go_out_is_recorded_as_failed_and_exits_1(tmp_path, receivers, incident, capsys):
    config = pagerduty_config(tmp_path, receivers)
    receivers.answer_next("pagerduty", 500, 500, 500)
    code, out, err = run(capsys, "page", str(incident), "bob", "--config", str(config))
    assert code == 1 and out == ""
    assert "the page to bob did not go out" in err and "HTTP 500" in err and "(after 3 tries)" in err
    assert "/v2/enqueue" not in err and ROUTING_KEYS["PD_BOB"] not in err
    page = Session.open(incident, read_only=True).state.page_for(handle="bob")
    assert not page.ok and "HTTP 500" in page.detail


def test_without_paging_set_up_it_says_how_and_exits_2(tmp_path, incident, capsys):
    config = config_file(tmp_path, "[incident]\n")
    code, _, err = run(capsys, "page", str(incident), "bob", "--config", str(config))
    assert code == 2 and "paging is not set up" in err and "[paging]" in err
    assert Session.open(incident, read_only=True).state.pages == ()


@pytest.mark.parametrize("target", ["bob\x1b[2J", "two words", ""])
def test_a_target_that_is_neither_handle_nor_role_is_refused(tmp_path, receivers, incident, capsys, target):
    config = pagerduty_config(tmp_path, receivers)
    code, _, err = run(capsys, "page", str(incident), target, "--config", str(config))
    assert code == 2 and "neither a role" in err and "\x1b" not in err
    assert receivers.of("pagerduty") == []


@pytest.mark.parametrize("paging, problem", [
    ('[paging.pagerduty]\nrouting_key = "u+abcdef0123456789abcdef0123456"\n', "write a secret as env:NAME"),
    ('[paging]\nservice = "opsgenie"\n[paging.pagerduty]\nrouting_key = "env:PD"\n',
     "no [paging.opsgenie] table"),
    ('[paging.opsgenie]\napi_key = "env:OG"\ndefault_responders = ["bob"]\n', "write a responder as"),
    ('[paging.pagerduty]\nurl = "javascript:alert(1)"\nrouting_key = "env:PD"\n', "starts with https://"),
    ('[paging]\nack_warn_after = "1s"\n', "must be at least 10s"),
])
def test_a_bad_paging_table_says_what_is_wrong_and_never_echoes_a_secret(tmp_path, incident, capsys,
                                                                         paging, problem):
    config = config_file(tmp_path, paging)
    code, _, err = run(capsys, "page", str(incident), "bob", "--config", str(config))
    assert code == 2 and problem in err and "paging" in err and "Traceback" not in err
    assert "u+abcdef" not in err


def test_the_real_command_pages_through_a_command_and_records_it(tmp_path, incident):
    """The program as a shell runs it: ``python -m cockpit page`` with a command pager."""
    seen = tmp_path / "seen.json"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(seen)!r}, 'w').write(sys.stdin.read())\nprint('queued for ops')\n")
    config = config_file(tmp_path, f'[paging.command]\nargv = ["{sys.executable}", "{script}"]\n')
    done = subprocess.run([sys.executable, "-m", "cockpit", "--config", str(config), "page", str(incident),
                           "comms", "--message", "status page needs an update", "--as", "carol"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "paged role comms through the paging command: queued for ops\n"
    page = json.loads(seen.read_text())
    assert page["role"] == "comms" and page["by"] == "carol" and page["severity"] == "SEV1"
    status = subprocess.run([sys.executable, "-m", "cockpit", "status", str(incident), "--json"],
                            capture_output=True, text=True, timeout=60)
    [recorded] = json.loads(status.stdout)["pages"]
    assert recorded["role"] == "comms" and recorded["ok"] and recorded["status"].endswith("no ack")
