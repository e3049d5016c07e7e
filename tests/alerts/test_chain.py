"""The real monitoring chain, end to end: the drill fleet fails on its script, a real Prometheus
scraping its ``/metrics`` sees it, its rule fires, a real Alertmanager delivers the webhook with
a bearer token, and the cockpit running in a real terminal shows the alert on its Timeline and
records it once in the session file, however often Alertmanager repeats it.

Every wait polls a condition against a generous deadline; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.drill.scenario import Scenario
from cockpit.session import Session
from tests.alerts.conftest import free_port
from tests.alerts.monitoring import FleetThread, get, start_alertmanager, start_prometheus
from tests.terminal import Terminals, program_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCENARIO = Scenario.model_validate({
    "scenario": {"name": "chain", "title": "Chain", "incident_title": "Checkout failing"},
    "services": [{"name": "checkout-api", "service": "checkout",
                  "phases": [{"at": "0s", "behaviour": "healthy"},
                             {"at": "3s", "behaviour": "erroring", "status": 503}]}],
})
ALERT_ON_TIMELINE = re.compile(r"alerts +alert firing: FleetServiceFailing \(critical\) — checkout-api is failing")


def on_timeline(screen: str) -> bool:
    """Whether the Timeline pane (the last box on the screen) shows the alert as narrated."""
    _, found, pane = screen.rpartition("─ Timeline")
    return bool(found) and ALERT_ON_TIMELINE.search(pane) is not None


@pytest.fixture
def fleet():
    running = FleetThread(SCENARIO).start()
    yield running.fleet
    running.stop()


@pytest.fixture
def chain(tmp_path: Path, fleet):
    """Prometheus and Alertmanager on loopback, aimed at the fleet and at the cockpit's receiver."""
    receiver, prom_port, am_port = free_port(), free_port(), free_port()
    token = secrets.token_urlsafe(24)
    token_file = tmp_path / "alertmanager-token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    service = fleet.services["checkout-api"]
    started = []
    try:
        am = start_alertmanager(tmp_path / "alertmanager", am_port,
                                f"http://127.0.0.1:{receiver}/alertmanager", token_file)
        started.append(am)
        prometheus = start_prometheus(tmp_path / "prometheus", prom_port, [f"127.0.0.1:{service.port}"],
                                      f"127.0.0.1:{am_port}")
        started.append(prometheus)
        am.ready()
        prometheus.ready()
        yield {"receiver": receiver, "token": token, "url": service.url, "prometheus": prom_port,
               "alertmanager": am_port, "processes": started}
    finally:
        for process in started:
            process.stop()


def webhook_notifications(am_port: int) -> float:
    """How many webhook notifications Alertmanager says it sent (its own ``/metrics``)."""
    _, text = get(f"http://127.0.0.1:{am_port}/metrics")
    found = re.search(r'^alertmanager_notifications_total\{integration="webhook"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_failing_fleet_raises_an_alert_that_shows_on_the_timeline(terminals: Terminals, tmp_path: Path,
                                                                      chain):
    config = tmp_path / "cockpit.toml"
    config.write_text(
        "[[endpoints]]\n"
        f'name = "checkout-api"\nurl = "{chain["url"]}"\nservice = "checkout"\ninterval = "1s"\n\n'
        "[alerts]\n"
        f'listen = "127.0.0.1:{chain["receiver"]}"\ntoken = "env:COCKPIT_ALERT_TOKEN"\n')
    session_file = tmp_path / "incident.toml"
    subprocess.run([sys.executable, "-m", "cockpit", "--config", str(config), "new", "--no-ui",
                    "--title", "Checkout failing", "--session", str(session_file)], check=True,
                   capture_output=True, timeout=60)
    exit_file = tmp_path / "exit-code"
    command = shlex.join([sys.executable, "-m", "cockpit", "--config", str(config), "open", str(session_file)])
    terminals.start("cockpit", f"{program_env(COCKPIT_ALERT_TOKEN=chain['token'])} {command};"
                               f" echo $? > {shlex.quote(str(exit_file))}; sleep 60")
    terminals.wait_for("cockpit", "Timeline", timeout=60, what="the cockpit")

    def diagnosis() -> str:
        return "\n".join(f"--- {p.name}:\n{p.tail()}" for p in chain["processes"])

    try:
        terminals.wait_for("cockpit", on_timeline, timeout=60, what="the alert on the Timeline")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{diagnosis()}") from None

    fired = [e for e in Session.open(session_file).events if e.kind == "alert.firing"]
    assert len(fired) == 1
    alert = fired[0]
    assert (alert.alertname, alert.severity, alert.by) == ("FleetServiceFailing", "critical", "alerts")
    assert alert.summary == "checkout-api is failing"
    assert alert.labels["job"] == "fleet" and alert.labels["service"] == "checkout-api"
    assert alert.runbook_url == "https://runbooks.example/fleet-service-failing"
    assert alert.generator_url.startswith(f"http://127.0.0.1:{chain['prometheus']}/graph")
    assert alert.starts_at is not None and alert.ends_at is None

    # Alertmanager repeats the notification every 2 s while the alert fires: nothing more recorded
    seen = webhook_notifications(chain["alertmanager"])
    terminals.wait_until("two more webhook notifications",
                         lambda: webhook_notifications(chain["alertmanager"]) >= seen + 2, timeout=60)
    events = Session.open(session_file).events
    assert [e.kind for e in events].count("alert.firing") == 1
    assert chain["token"] not in session_file.read_text()

    terminals.keys("cockpit", "C-q")
    terminals.wait_until("the cockpit to exit", lambda: exit_file.exists() and exit_file.read_text().strip(),
                         timeout=60, name="cockpit")
    assert exit_file.read_text().strip() == "0"
