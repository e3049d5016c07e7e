"""The real program in tmux: the lead sends an update from the composer to three destinations,
one of which refuses it. Each receiver gets what its service expects, the screen stays usable,
the failure is a notice, and the timeline says where the update went and where it did not."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.session import Session
from tests.terminal import Terminals, program_env
from tests.updates.receivers import Receivers

pytestmark = pytest.mark.e2e


def test_an_update_from_the_screen_reaches_two_destinations_and_the_third_failure_is_shown(
        terminals: Terminals, receivers: Receivers, tmp_path: Path, capsys):
    config = tmp_path / "cockpit.toml"
    config.write_text(f"""
[[updates.destinations]]
name = "chat"
kind = "slack"
url = "env:CHAT_HOOK"

[[updates.destinations]]
name = "teams"
kind = "teams"
url = "{receivers.url('teams')}"

[[updates.destinations]]
name = "ops"
kind = "slack"
url = "{receivers.url('slack', token='revoked-token')}"
""")
    path = tmp_path / "incident.toml"
    assert main(["--config", str(config), "new", "--no-ui", "--title", "Checkout API returning 500s",
                 "--session", str(path), "--as", "alice"]) == 0
    capsys.readouterr()

    env = program_env(CHAT_HOOK=receivers.url("slack"))
    command = shlex.join([sys.executable, "-m", "cockpit", "--config", str(config), "open", str(path),
                          "--as", "alice"])
    terminals.start("lead", f"{env} {command}")
    terminals.wait_for("lead", "Timeline")
    terminals.press_until("lead", "u", "Status update")
    terminals.wait_for("lead", "delivers it to the destinations", what="the composer's hint")
    terminals.keys("lead", "C-s")

    chat = receivers.wait_for("slack", 2)  # chat and ops are both Slack-shaped
    teams = receivers.wait_for("teams", 1)
    by_path = {r.path.rsplit("/", 1)[-1]: r for r in chat}
    text = by_path["xoxb-s3cr3t-token"].body["text"]
    assert "We are investigating the cause." in text  # the composer's external draft, as sent
    assert by_path["revoked-token"].body["text"] == text
    heading, body = teams[0].body["attachments"][0]["content"]["body"]
    assert (heading["text"], body["text"]) == ("Checkout API returning 500s", text)

    terminals.wait_for("lead", "Update not delivered", what="the failure as a notice")
    terminals.wait_for("lead", "delivered to chat", what="the chat delivery in the timeline")
    terminals.wait_for("lead", "delivered to teams", what="the teams delivery in the timeline")
    terminals.wait_for("lead", "not delivered to ops", what="the failure in the timeline")
    terminals.press_until("lead", "2", "Protocol")  # the screen still takes keys
    terminals.keys("lead", "C-q")
    terminals.wait_until("the seat to close", lambda: any(
        isinstance(e, ev.SeatLeft) for e in Session.open(path, read_only=True).events), name="lead")

    outcomes = [e for e in Session.open(path, read_only=True).events if isinstance(e, ev.UpdateDelivered)]
    assert sorted((o.destination, o.ok) for o in outcomes) == [("chat", True), ("ops", False), ("teams", True)]
    [failed] = [o for o in outcomes if not o.ok]
    assert failed.final and failed.detail.endswith(": invalid_token") and "revoked" not in failed.detail
