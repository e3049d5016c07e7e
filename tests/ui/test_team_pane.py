"""The Team pane's ask prompt, driven with Pilot: what is typed is what is recorded.

The prompt opens with the selected person's ``bob: `` already written and the cursor after it:
the first key adds to it instead of wiping it (an ask without ``handle:`` would be refused and
the typed words lost), and "back to me in 2 min" is read as the time, not as part of the task.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.panes.team import parse_ask
from cockpit.ui.prompts import TextPrompt

WIDE = (160, 48)


def kinds(session: Session, kind: str) -> list[ev.Event]:
    return [e for e in Session.open(session.path).events if e.kind == kind]


async def open_ask_on(pilot, handle: str) -> TextPrompt:
    app = pilot.app
    await pilot.press("3")
    team = app.query_one("#team")
    team.rows._move_to(next(i for i, r in enumerate(team.rows.rows) if r.key == f"member:{handle}"))
    await pilot.press("k")
    await pilot.pause()
    assert isinstance(app.screen, TextPrompt)
    return app.screen


@pytest.fixture
def with_bob(make_session, config):
    session = make_session(config=config)
    session.record(ev.MemberJoined(handle="bob", status="engaged"))
    return session


@pytest.mark.parametrize(("typed", "task", "minutes"), [
    ("check replica lag, back to me in 2 min", "check replica lag", 2),
    ("check replica lag, back in 10 min", "check replica lag", 10),
    ("call the vendor in 5m", "call the vendor", 5),
    ("restart the canary 10 minutes", "restart the canary", 10),
    ("draft the status page text", "draft the status page text", 10),
])
async def test_typing_after_the_prefill_records_the_ask(cockpit, with_bob, typed, task, minutes):
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        prompt = await open_ask_on(pilot, "bob")
        field = prompt.query_one("Input")
        assert field.value == "bob: "
        assert field.selection.is_empty and field.cursor_position == len("bob: ")  # nothing selected
        await pilot.press(*typed)
        assert field.value == f"bob: {typed}"
        await pilot.press("enter")
        await pilot.pause()
    asks = kinds(app.incident.session, "ask.started")
    assert [(a.handle, a.task, a.minutes) for a in asks] == [("bob", task, minutes)]


async def test_the_countdown_shows_the_minutes_that_were_asked(cockpit, with_bob, clock):
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        await open_ask_on(pilot, "bob")
        await pilot.press(*"check replica lag, back to me in 2 min", "enter")
        await pilot.pause()
        ask = kinds(app.incident.session, "ask.started")[0]
        rows = {r.key: r.text.plain for r in app.query_one("#team").rows.rows}
        assert "2m left" in rows[f"ask:{ask.seq}"] and "back to me" not in rows[f"ask:{ask.seq}"]
        clock.advance(minutes=3)
        app.incident.tick()
        await pilot.pause()
        rows = {r.key: r.text.plain for r in app.query_one("#team").rows.rows}
        assert "time is up (1m ago)" in rows[f"ask:{ask.seq}"]


async def test_an_ask_that_cannot_be_read_comes_back_with_its_text(cockpit, with_bob):
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        await open_ask_on(pilot, "bob")
        await pilot.press(*"back in 10 min", "enter")  # no task: refused
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        field = app.screen.query_one("Input")
        assert field.value == "bob: back in 10 min" and field.selection.is_empty
        assert any("Could not read that ask" in (n.title or "") for n in app._notifications)
        await pilot.press("ctrl+a")  # to the start of the line, nothing lost
        await pilot.press(*["right"] * len("bob: "), *"look at orders-db, ", "enter")
        await pilot.pause()
    asks = kinds(app.incident.session, "ask.started")
    assert [(a.handle, a.task, a.minutes) for a in asks] == [("bob", "look at orders-db", 10)]


async def test_an_ask_still_open_at_resolution_stops_counting(cockpit, with_bob, clock):
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        await open_ask_on(pilot, "bob")
        await pilot.press(*"check replica lag in 10 min", "enter")
        await pilot.pause()
        clock.advance(minutes=4)
        app.incident.session.record(ev.StatusChanged(status="resolved"))
        clock.advance(hours=2)
        app.incident.tick()
        await pilot.pause()
        ask = kinds(app.incident.session, "ask.started")[0]
        row = next(r.text.plain for r in app.query_one("#team").rows.rows if r.key == f"ask:{ask.seq}")
        assert "6m left" in row and "time is up" not in row
        assert not any("time is up" in str(n.message) for n in app._notifications)


async def test_engaged_time_stops_at_resolution_in_the_team_pane(cockpit, with_bob, clock):
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        clock.advance(minutes=42)
        app.incident.session.record(ev.StatusChanged(status="resolved"))
        clock.advance(hours=3)
        app.incident.tick()
        await pilot.pause()
        rows = {r.key: r.text.plain for r in app.query_one("#team").rows.rows}
        assert rows["member:bob"].rstrip().endswith("0:42")


def test_ask_times_as_people_say_them():
    assert parse_ask("bob: check replica lag, back to me in 2 min") == ("bob", "check replica lag", 2.0)
    assert parse_ask("bob: check replica lag, back in 10 min") == ("bob", "check replica lag", 10.0)
    assert parse_ask("bob: check replica lag back to me in 2") == ("bob", "check replica lag", 2.0)
    assert parse_ask("carol: call the vendor in 5m") == ("carol", "call the vendor", 5.0)
    assert parse_ask("carol: call the vendor, 10 minutes") == ("carol", "call the vendor", 10.0)
    assert parse_ask("carol: call the vendor (back within 1h)") == ("carol", "call the vendor", 60.0)
    assert parse_ask("dan: scale to 3 hosts in 5 min") == ("dan", "scale to 3 hosts", 5.0)
    assert parse_ask("dan: restart pod 3") == ("dan", "restart pod 3", 10.0)  # a bare number is the task's
    assert parse_ask("dan: check the 5m dashboard") == ("dan", "check the 5m dashboard", 10.0)
    assert parse_ask("dan: back in 10 min") is None  # no task
    assert parse_ask("dan: wait in 0 min") is None
    assert parse_ask("dan: wait in 100000 min") is None  # a typing mistake, not an ask
    assert parse_ask("no colon here") is None
    assert timedelta(minutes=parse_ask("erin: x in 1.5 hours")[2]) == timedelta(minutes=90)


async def test_an_ask_counts_down_by_the_second_in_its_last_minute_and_is_not_redrawn_before(
        cockpit, with_bob, clock):
    with_bob.record(ev.AskStarted(handle="bob", task="check replica lag", minutes=2))
    app = cockpit(with_bob)
    async with app.run_test(size=WIDE) as pilot:
        team = app.query_one("#team")

        def ask_row() -> str:
            return next(r.text.plain for r in team.rows.rows if r.key.startswith("ask:"))

        assert "2m left" in ask_row()
        drawn = team.last_shown
        clock.advance(seconds=20)  # the same minute, and still "2m left": nothing to draw
        app.incident.tick()
        assert team.last_shown is drawn
        clock.advance(seconds=70)  # 30 s left, in the next minute
        app.incident.tick()
        await pilot.pause()
        assert "30s left" in ask_row()
        clock.advance(seconds=1)  # within that minute, the tick draws the second that went
        app.incident.tick()
        await pilot.pause()
        assert "29s left" in ask_row()
