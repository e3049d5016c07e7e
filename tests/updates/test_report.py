"""The postmortem report lists each update and where it arrived, from real deliveries."""

from __future__ import annotations

import json

from cockpit.cli import main


async def test_the_report_lists_deliveries_per_update(receivers, delivering, capsys):
    receivers.answer_next("slack", (410, "channel_is_archived", {}))
    seat = delivering({"name": "team-slack", "kind": "slack", "url": receivers.url("slack")},
                      {"name": "teams", "kind": "teams", "url": receivers.url("teams")})
    update = seat.post("Rolling back deploy 3.\nMore soon.")
    await seat.settled()
    path = str(seat.session.path)

    assert main(["report", path]) == 0
    out = capsys.readouterr().out
    section = out.split("## Status updates and deliveries")[1].split("\n## ")[0]
    assert f"internal update #{update.seq} (alice): Rolling back deploy 3." in section
    assert f"  - **not delivered** to team-slack (HTTP 410 from 127.0.0.1:{receivers.port}: channel\\_is\\_archived)" in section
    assert f"  - delivered to teams (HTTP 202 from 127.0.0.1:{receivers.port})" in section

    assert main(["report", path, "--format", "json"]) == 0
    [posted] = json.loads(capsys.readouterr().out)["updates"]
    assert [(d["destination"], d["ok"], d["attempts"]) for d in posted["deliveries"]] == [
        ("team-slack", False, 1), ("teams", True, 1)]
