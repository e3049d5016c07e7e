"""The real program in tmux: the lead pages bob from the Team pane, the roster says "paged … no
ack", turns it into a warning past ack_warn_after, and shows the answer when bob opens his own
seat; the lead's seat then acknowledges the page at PagerDuty. The bridge link is on screen as text (tmux 3.3 drops OSC 8 hyperlinks, like any terminal
without them), and the links list shows it whole."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.session import Session
from tests.paging.conftest import ROUTING_KEYS
from tests.paging.receivers import Receivers
from tests.terminal import Terminals, program_env

pytestmark = pytest.mark.e2e
BRIDGE = "https://meet.example.com/checkout-incident"


def cockpit_in(terminals: Terminals, name: str, config: Path, *args: str) -> None:
    env = program_env(**{k: v for k, v in ROUTING_KEYS.items()})
    command = shlex.join([sys.executable, "-m", "cockpit", "--config", str(config), *args])
    terminals.start(name, f"{env} {command}", size=(80, 24))  # one pane at a time: tabs show where keys go


def test_paging_bob_from_the_team_pane_until_he_opens_a_seat(terminals: Terminals, receivers: Receivers,
                                                            tmp_path: Path, capsys):
    config = tmp_path / "cockpit.toml"
    config.write_text(f"""
[paging]
ack_warn_after = "10s"

[paging.pagerduty]
url = "{receivers.url('pagerduty')}"
routing_key = "env:PD_DEFAULT"
routing_keys = {{ bob = "env:PD_BOB" }}

[[people]]
handle = "bob"
name = "Bob Okafor"
roles = ["ops"]
""")
    path = tmp_path / "incident.toml"
    assert main(["--config", str(config), "new", "--no-ui", "--title", "Checkout API returning 500s",
                 "--session", str(path), "--as", "alice"]) == 0
    assert main(["record", str(path), "member.joined", "handle=bob", "status=off"]) == 0
    assert main(["link", str(path), BRIDGE, "--label", "War room", "--kind", "bridge"]) == 0
    capsys.readouterr()

    cockpit_in(terminals, "lead", config, "open", str(path), "--as", "alice")
    terminals.wait_for("lead", "Timeline")
    terminals.wait_for("lead", "bridge     War room  https://meet.e", what="the bridge, its URL as text")
    terminals.press_until("lead", "l", "Links · 1")  # the screen takes keys now
    terminals.wait_for("lead", BRIDGE, what="the whole URL in the links list")
    terminals.keys("lead", "Escape")
    terminals.wait_for("lead", lambda screen: "Links · 1" not in screen, what="the list to close")
    terminals.press_until("lead", "3", "Team · 2 people")  # the Team tab
    terminals.keys("lead", "Down", "p")  # alice (engaged) first, then bob (off)
    terminals.wait_for("lead", "Page bob: a line for them")
    terminals.enter("lead", "checkout is down, join the bridge")

    terminals.wait_until("the page at PagerDuty", lambda: receivers.of("pagerduty"), name="lead")
    arrived = receivers.of("pagerduty")[0].body
    assert arrived["routing_key"] == ROUTING_KEYS["PD_BOB"] and arrived["event_action"] == "trigger"
    assert "checkout is down, join the bridge" in arrived["payload"]["summary"]
    assert arrived["links"] == [{"href": BRIDGE, "text": "War room"}]
    terminals.wait_for("lead", "◌ paged <1 min ago, no ack", what="the page on the roster")
    terminals.wait_for("lead", "⚠ paged <1 min ago, no ack", what="the warning past ack_warn_after")

    cockpit_in(terminals, "bob", config, "open", str(path), "--as", "bob")  # bob answers
    terminals.wait_for("lead", lambda screen: "opened a seat)" in screen and "no ack" not in screen,
                       what="the answer on the lead's roster")
    terminals.press_until("lead", "6", "paged bob through PagerDuty: checkout is down, join the")
    terminals.wait_until("the answer forwarded to PagerDuty", lambda: len(receivers.of("pagerduty")) == 2,
                         name="lead")
    ack = receivers.of("pagerduty")[1].body
    assert ack == {"routing_key": ROUTING_KEYS["PD_BOB"], "event_action": "acknowledge",
                   "dedup_key": arrived["dedup_key"]}

    terminals.keys("bob", "C-q")
    terminals.keys("lead", "C-q")

    state = Session.open(path, read_only=True).state
    page = state.page_for(handle="bob")
    assert page.ok and page.acked_by == "bob" and page.acked_how == "opened a seat"
    assert page.dedup_key == arrived["dedup_key"]
