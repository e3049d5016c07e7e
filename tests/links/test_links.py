"""Links: what may be one, where they come from, and how the command line adds and shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.domain.links import every_link, links_of_kind, url_problem
from cockpit.session import Session

HOSTILE = [
    "https://meet.example.com/\x1b]8;;https://evil.example/\x1b\\click",  # ends the OSC 8 early
    "https://meet.example.com/\x07x",         # BEL ends an OSC too
    "https://meet.example.com/\x9b31m",       # a C1 CSI
    "https://meet.example.com/a\nb",          # a line break
    "https://meet.example.com/\u202eevil",     # text running backwards
    "https://meet.example.com/a\u200bb",       # a zero-width space
    "https://meet.example.com/a b",            # a space
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,<script>",
    "https://",
    "https:/no-host",
    "meet.example.com/checkout",
    "",
    "https://example.com/" + "a" * 2100,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_url_that_could_change_the_terminal_or_is_no_link_is_refused(url):
    assert url_problem(url) is not None
    assert isinstance(ev.parse_event({"kind": "link.added", "url": url}), ev.RawEvent)


@pytest.mark.parametrize("url", ["https://meet.example.com/j/123?pwd=x#top", "http://127.0.0.1:3000/d/abc",
                                 "mailto:incident-stakeholders@example.com", "tel:+1-555-0100,,123456#",
                                 "https://例え.jp/パス"])
def test_web_mail_and_phone_links_are_links(url):
    assert url_problem(url) is None


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def incident(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "s.toml"
    assert run(capsys, "new", "--no-ui", "--title", "Checkout 500s", "--session", str(path))[0] == 0
    return path


def test_cockpit_link_adds_a_link_that_status_shows(incident, capsys):
    code, out, _ = run(capsys, "link", str(incident), "https://meet.example.com/checkout",
                       "--label", "War room", "--kind", "bridge", "--as", "bob")
    assert code == 0 and out.startswith("added link #") and "(bridge): War room" in out
    assert run(capsys, "link", str(incident), "https://chat.example.com/c/inc-42", "--kind", "channel")[0] == 0

    code, out, _ = run(capsys, "status", str(incident))
    assert code == 0
    assert "  bridge     War room  https://meet.example.com/checkout" in out
    assert "  channel    https://chat.example.com/c/inc-42" in out
    code, out, _ = run(capsys, "status", str(incident), "--json")
    links = json.loads(out)["links"]
    assert links[:2] == [
        {"label": "War room", "url": "https://meet.example.com/checkout", "kind": "bridge", "source": "link"},
        {"label": "https://chat.example.com/c/inc-42", "url": "https://chat.example.com/c/inc-42",
         "kind": "channel", "source": "link"},
    ]
    state = Session.open(incident, read_only=True).state
    assert state.links[0].by == "bob"
    assert [link.kind for link in links_of_kind(state, "bridge", "channel")] == ["bridge", "channel"]


@pytest.mark.parametrize("url", HOSTILE[:3] + ["javascript:alert(1)"])
def test_cockpit_link_and_cockpit_record_refuse_a_hostile_url(incident, capsys, url):
    code, out, err = run(capsys, "link", str(incident), url)
    assert code == 2 and out == "" and "\x1b" not in err and "\x07" not in err
    code, _, err = run(capsys, "record", str(incident), "link.added", f"url={url}", "link_kind=bridge")
    assert code == 2 and "\x1b" not in err
    assert list(Session.open(incident, read_only=True).state.links) == []


def test_cockpit_record_adds_a_link_with_its_kind(incident, capsys):
    code, out, _ = run(capsys, "record", str(incident), "link.added", "url=https://tickets.example.com/INC-7",
                       "label=INC-7", "link_kind=ticket", "--json")
    assert code == 0 and json.loads(out)["link_kind"] == "ticket"
    [link] = Session.open(incident, read_only=True).state.links
    assert (link.label, link.kind) == ("INC-7", "ticket")


def test_a_tampered_link_in_the_file_is_kept_raw_and_never_becomes_a_link(incident, capsys):
    with incident.open("a") as file:  # written by someone else's tool, escapes and all
        file.write('\n[[events]]\nseq = 99\nat = 2026-11-27T04:20:00.000Z\nby = "mallory"\n'
                   'kind = "link.added"\nurl = "https://x.example/\\u001b]8;;https://evil/\\u001b\\\\"\n'
                   'label = "bridge"\n')
    session = Session.open(incident, read_only=True)
    assert list(session.state.links) == []
    code, out, _ = run(capsys, "status", str(incident))
    assert code == 0 and "\x1b" not in out and "links:" not in out


def test_steps_carry_runbooks_and_endpoints_dashboards(tmp_path: Path, capsys):
    protocols = tmp_path / "protocols"
    protocols.mkdir()
    (protocols / "db.toml").write_text('''
name = "db"
title = "Database failover"
[[steps]]
id = "failover"
text = "Fail over to the replica"
runbook = "https://wiki.example.com/runbooks/db-failover"
[[steps]]
id = "verify"
text = "Verify writes"
''')
    config = tmp_path / "cockpit.toml"
    config.write_text('''
[incident]
default_protocol = "db"
[[endpoints]]
name = "payments-api"
url = "http://127.0.0.1:9/healthz"
dashboard = "https://grafana.example.com/d/payments"
''')
    path = tmp_path / "s.toml"
    assert run(capsys, "new", "--no-ui", "--title", "DB down", "--session", str(path),
               "--config", str(config))[0] == 0
    links = every_link(Session.open(path, read_only=True).state)
    assert [(link.kind, link.url, link.source) for link in links] == [
        ("runbook", "https://wiki.example.com/runbooks/db-failover", "step:failover"),
        ("dashboard", "https://grafana.example.com/d/payments", "endpoint:payments-api"),
    ]
    assert links[0].label == "runbook: Fail over to the replica"


@pytest.mark.parametrize("where, text", [
    ("protocol", 'runbook = "https://wiki.example.com/\\u001b[2J"'),
    ("protocol", 'runbook = "javascript:alert(1)"'),
    ("config", 'dashboard = "https://grafana.example.com/\\u0007"'),
    ("config", 'dashboard = "mailto:ops@example.com"'),
])
def test_validate_refuses_a_runbook_or_dashboard_that_is_no_safe_link(tmp_path: Path, capsys, where, text):
    if where == "protocol":
        file = tmp_path / "p.toml"
        file.write_text(f'name = "p"\ntitle = "P"\n[[steps]]\nid = "a"\ntext = "A"\n{text}\n')
    else:
        file = tmp_path / "cockpit.toml"
        file.write_text(f'[[endpoints]]\nname = "e"\nurl = "http://127.0.0.1:9/"\n{text}\n')
    code, _, err = run(capsys, "validate", str(file))
    assert code == 2 and ("runbook" in err or "dashboard" in err) and "\x1b" not in err and "\x07" not in err


def test_a_firing_alerts_runbook_is_a_link_only_while_it_fires_and_only_when_safe():
    from datetime import datetime, timezone

    from cockpit.domain.state import fold

    at = datetime(2026, 11, 27, 4, 12, tzinfo=timezone.utc)
    firing = ev.AlertFiring(fingerprint="5e1f", alertname="HighErrorRate", at=at, seq=2,
                            runbook_url="https://runbooks.example/checkout-5xx")
    hostile = ev.AlertFiring(fingerprint="9a9a", alertname="Planted", at=at, seq=3,
                             runbook_url="https://runbooks.example/\x1b]8;;https://evil/\x07")
    state = fold([ev.IncidentDeclared(title="t", severity="SEV2", at=at, seq=1), firing, hostile])
    assert [(link.label, link.url, link.source) for link in every_link(state)] == [
        ("runbook: HighErrorRate", "https://runbooks.example/checkout-5xx", "alert:5e1f")]
    resolved = ev.AlertResolved(fingerprint="5e1f", alertname="HighErrorRate", at=at, seq=4)
    assert every_link(fold([resolved], state)) == []
