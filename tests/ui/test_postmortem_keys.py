"""The postmortem's facts from the screen: key moments (m), action items (i), retro notes with a
section, on the live cockpit and in replay; each read back from the session file."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.retro.replay import SavedSession
from cockpit.session import Session
from cockpit.ui.panes.timeline import TimelinePane
from cockpit.ui.postmortem_keys import parse_fields_line, split_category
from cockpit.ui.replay import ReplayApp
from tests.ui.test_cockpit import choose, type_text
from tests.waiting import until

WIDE = (160, 48)


def on_disk(path, kind: str) -> list[ev.Event]:
    return [e for e in Session.open(path, read_only=True).events if e.kind == kind]


async def replace_text(pilot, text: str) -> None:
    """Replace what the prompt on top holds with ``text``, then Enter."""
    await until(pilot, lambda: isinstance(pilot.app.focused, Input), "a text field with the keys")
    prompt = pilot.app.screen
    pilot.app.focused.value = ""
    await pilot.press(*text, "enter")
    await until(pilot, lambda: prompt not in pilot.app.screen_stack, f"{prompt} to close")
    await pilot.pause()


async def test_a_key_moment_and_an_action_item_from_the_live_cockpit(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        session = app.screen.session
        await pilot.press("a")
        await type_text(pilot, "add load shedding to checkout")
        clock.advance(120)
        await pilot.press("m")
        await choose(pilot, "mitigated")
        action = on_disk(session.path, "note.added")[-1].seq
        await pilot.press("i")
        await choose(pilot, str(action))
        await replace_text(pilot, "owner=bob type=prevent priority=P1 due=2026-12-04 ticket=INC 12 status=open")
        await until(pilot, lambda: on_disk(session.path, "action.updated"), "the action item recorded")
    moment = on_disk(session.path, "moment.marked")[0]
    assert (moment.moment, moment.inferred, moment.at) == ("mitigated", False, clock.now())
    update = on_disk(session.path, "action.updated")[0]
    assert (update.action, update.owner, update.type, update.priority, update.due, update.ticket,
            update.status) == (action, "bob", "prevent", "P1", "2026-12-04", "INC 12", None)


async def test_an_action_item_that_cannot_be_recorded_says_why(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        session = app.screen.session
        await pilot.press("i")
        await until(pilot, lambda: any("no follow-up action yet" in str(n.message)
                                       for n in app._notifications), "the reason")
        await pilot.press("a")
        await type_text(pilot, "freeze deploys")
        await pilot.press("i")
        await choose(pilot, str(on_disk(session.path, "note.added")[-1].seq))
        await replace_text(pilot, "owner=bob due=next week")
        await until(pilot, lambda: any("year-month-day" in str(n.message) for n in app._notifications),
                    "the reason")
    assert on_disk(session.path, "action.updated") == []


def test_what_people_type_is_read_as_they_mean_it():
    assert split_category("went well: the rollback was rehearsed") == ("went_well", "the rollback was rehearsed")
    assert split_category("Root cause: a leak") == ("root_cause", "a leak")
    assert split_category("however: plain") == (None, "however: plain")
    assert parse_fields_line("owner=bob ticket=INC 12 status=done") == {
        "owner": "bob", "ticket": "INC 12", "status": "done"}


async def test_replay_marks_moments_places_retro_notes_and_shows_them_at_their_time(make_session, clock):
    session = make_session()
    clock.advance(300)
    session.record(ev.NoteAdded(text="roll back", tag="decision"))
    clock.advance(600)
    session.record(ev.StatusChanged(status="resolved"))
    session.close()
    saved = SavedSession.read(session.path, clock=ManualClock(clock.now() + timedelta(days=2)), handle="dan")
    app = ReplayApp(saved)
    async with app.run_test(size=WIDE) as pilot:
        screen = app.screen
        await pilot.press("home", "]", "]")  # the declaration, then the decision
        about = screen.cursor.time
        await pilot.press("m")
        await choose(pilot, "impact_started")
        await until(pilot, lambda: on_disk(session.path, "moment.marked"), "the moment recorded")
        await pilot.press("r")
        await type_text(pilot, "went well: the rollback was rehearsed")
        await until(pilot, lambda: on_disk(session.path, "retro.note"), "the note recorded")
        await pilot.press("end")
        timeline = screen.query_one("#timeline", TimelinePane)
        rows = [str(row.text) for row in timeline._rows]
        note_row = next(i for i, row in enumerate(rows) if "the rollback was rehearsed" in row)
        decision_row = next(i for i, row in enumerate(rows) if "decision: roll back" in row)
        resolved_row = next(i for i, row in enumerate(rows) if "RESOLVED" in row)
        assert decision_row < note_row < resolved_row  # at the time it is about, not days later
    moment = on_disk(session.path, "moment.marked")[0]
    assert (moment.moment, moment.at, moment.by) == ("impact_started", about, "dan")
    note = on_disk(session.path, "retro.note")[0]
    assert (note.category, note.text, note.about) == ("went_well", "the rollback was rehearsed", about)
