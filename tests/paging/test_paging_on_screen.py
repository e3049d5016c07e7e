"""Paging from the Team pane, driven with Pilot against the real receivers: the page goes out in
the background, the roster says "paged … no ack", warns past ack_warn_after, and shows the answer
when the person joins from another seat."""

from __future__ import annotations

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.prompts import TextPrompt
from tests.paging.conftest import ROUTING_KEYS, pagerduty
from tests.paging.receivers import Receivers
from tests.waiting import until

WIDE = (160, 48)


def team_rows(app) -> list[str]:
    return [row.text.plain for row in app.query_one("#team").rows.rows]


async def page_from_the_team_pane(pilot, handle: str, message: str) -> None:
    app = pilot.app
    await pilot.press("3")
    team = app.query_one("#team")
    await until(pilot, lambda: any(r.key == f"member:{handle}" for r in team.rows.rows), f"{handle}'s row")
    team.rows._move_to(next(i for i, r in enumerate(team.rows.rows) if r.key == f"member:{handle}"))
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, TextPrompt), "the message prompt")
    await pilot.press(*message, "enter")


async def test_a_page_from_the_team_pane_reaches_pagerduty_and_the_roster_waits_for_the_answer(
        cockpit_with, receivers: Receivers, clock):
    app = cockpit_with(pagerduty(receivers, ack_warn_after="5m"))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        app.incident.record(ev.MemberJoined(handle="bob", status="resting"))
        await page_from_the_team_pane(pilot, "bob", "checkout is down")
        await until(pilot, lambda: receivers.of("pagerduty"), "the page to arrive")
        await until(pilot, lambda: any("paged <1 min ago, no ack" in r for r in team_rows(app)),
                    "the roster to show the page")
        arrived = receivers.of("pagerduty")[0].body
        assert arrived["routing_key"] == ROUTING_KEYS["PD_BOB"]
        assert "checkout is down" in arrived["payload"]["summary"]
        bob = next(r for r in team_rows(app) if r.startswith("◌ bob"))
        assert "paged" in bob  # resting, called back: paged until he answers

        clock.advance(minutes=5)
        app.incident.tick()
        await until(pilot, lambda: any(r.strip().startswith("⚠ paged 5 min ago, no ack") for r in team_rows(app)),
                    "the page to turn into a warning")
        await until(pilot, lambda: any("bob paged 5 min ago, no answer yet" in str(n.message)
                                       for n in app._notifications), "the warning announced")
        assert [s.kind for s in app.incident.attention.current].count("page") == 1

        other = Session.open(app.incident.session.path, handle="bob")  # bob answers, on his own seat
        other.record(ev.MemberStatusChanged(handle="bob", status="engaged"))
        await until(pilot, lambda: any("acked" in r and "engaged" in r for r in team_rows(app)),
                    "the roster to show the answer")
        assert not any("no ack" in r for r in team_rows(app))


async def test_keys_answer_while_the_service_hangs(cockpit_with, receivers: Receivers):
    receivers.hang("pagerduty")
    app = cockpit_with(pagerduty(receivers, timeout="10m", attempts=1))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        app.incident.record(ev.MemberJoined(handle="bob", status="off"))
        await page_from_the_team_pane(pilot, "bob", "are you there")
        await until(pilot, lambda: receivers.of("pagerduty"), "the page to reach the hanging service")
        await until(pilot, lambda: not isinstance(app.screen, TextPrompt), "the prompt to close")
        await pilot.press("n")  # the screen is not waiting for the page
        await until(pilot, lambda: app.incident.query_one(EntryBar).is_open, "the entry bar")
        await pilot.press(*"still waiting on bob", "enter")
        await until(pilot, lambda: any(n.text == "still waiting on bob" for n in app.incident.session.state.notes),
                    "the note to be recorded")
        assert app.incident.session.state.pages == ()  # the page is still on its way


async def test_a_failed_page_is_recorded_and_shown_with_why(cockpit_with, receivers: Receivers):
    receivers.answer_next("pagerduty", 500, 500, 500)
    app = cockpit_with(pagerduty(receivers, attempts=3))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        app.incident.record(ev.MemberJoined(handle="bob", status="off"))
        await page_from_the_team_pane(pilot, "bob", "are you there")
        await until(pilot, lambda: any("page failed" in r for r in team_rows(app)), "the failure on the roster",
                    timeout=120)
        [page] = app.incident.session.state.pages
        assert not page.ok and "HTTP 500" in page.detail and "(after 3 tries)" in page.detail


async def test_paging_a_role_from_its_row(cockpit_with, receivers: Receivers):
    app = cockpit_with(pagerduty(receivers))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        await pilot.press("3")
        team = app.query_one("#team")
        await until(pilot, lambda: any(r.key == "role:ops" for r in team.rows.rows), "the empty ops role")
        team.rows._move_to(next(i for i, r in enumerate(team.rows.rows) if r.key == "role:ops"))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt), "the message prompt")
        assert "Ops lead" in app.screen.prompt_title
        await pilot.press(*"replica lag", "enter")
        await until(pilot, lambda: app.incident.session.state.page_for(role="ops") is not None, "the role's page")
        assert receivers.of("pagerduty")[0].body["routing_key"] == ROUTING_KEYS["PD_OPS"]
        await until(pilot, lambda: any(r.strip().startswith("◌ role ops: paged <1 min ago, no ack")
                                       for r in team_rows(app)), "the role's page on the roster")


async def test_without_paging_set_up_the_screen_says_how(cockpit_with):
    from cockpit.settings import PagingSettings

    app = cockpit_with(PagingSettings())
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        app.incident.record(ev.MemberJoined(handle="bob", status="off"))
        await page_from_the_team_pane(pilot, "bob", "hello")
        await until(pilot, lambda: any("Paging is not set up" in str(n.message) for n in app._notifications),
                    "the notice")
        assert app.incident.session.state.pages == ()

