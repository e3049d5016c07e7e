"""The entry bar: n, d, a and h type an entry at the foot of the incident screen, which stays
live behind it; it keeps the keyboard until Enter or Escape, then gives it back."""

from __future__ import annotations

from textual.widgets import Input

from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.prompts import ChoicePrompt, TextPrompt
from tests.ui.test_cockpit import kinds
from tests.waiting import until

WIDE = (160, 48)


async def test_the_bar_keeps_the_keys_and_gives_them_back(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")  # the Protocol pane has the keys
        await pilot.pause()
        before = app.focused
        await pilot.press("h")
        bar = app.incident.query_one(EntryBar)
        assert bar.is_open and str(bar.border_title) == "Hypothesis"
        await pilot.press("tab", *"s2 ?", "shift+tab")  # hotkeys and Tab are text here
        await pilot.pause()
        assert app.screen is app.incident and isinstance(app.focused, Input)
        assert bar.field.typed == "s2 ?"
        await pilot.press("escape")
        await pilot.pause()
        assert not bar.is_open and app.focused is before
        await pilot.press("h")  # opened again: empty, nothing kept from the cancelled one
        await pilot.pause()
        assert bar.field.typed == ""
        await pilot.press("enter")  # an empty Enter closes, recording nothing
        await pilot.pause()
        assert not bar.is_open and not isinstance(app.screen, ChoicePrompt)
    assert kinds(app.incident.session, "note.added") == []


async def test_an_entry_asked_for_over_another_screen_opens_a_prompt_there(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")  # help covers the incident screen
        await until(pilot, lambda: app.screen is not app.incident, "the help screen")
        app.incident.action_note("decision")  # as the palette runs it
        await until(pilot, lambda: isinstance(app.screen, TextPrompt)
                    and isinstance(app.focused, Input), "the decision prompt")
        assert not app.incident.query_one(EntryBar).is_open
        await pilot.press(*"fail over to eu-west", "enter")
        await until(pilot, lambda: kinds(app.incident.session, "note.added"), "the decision")
    decision = kinds(app.incident.session, "note.added")[-1]
    assert (decision.text, decision.tag) == ("fail over to eu-west", "decision")


async def test_quitting_asks_while_the_bar_holds_words_even_with_the_keys_elsewhere(cockpit):
    from cockpit.ui.prompts import ConfirmPrompt

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", *"db-2 is lagging")
        app.incident.query_one("#timeline").focus_pane()  # the keys wander off (a click on a pane)
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the question")
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.incident.query_one(EntryBar).field.typed == "db-2 is lagging"


async def test_the_pane_the_bar_borrowed_the_keys_from_stays_lit(cockpit):
    """Typing an entry, the lead still sees where Escape goes back to: that pane's accent border
    and cursor bar stay; moving to another pane moves them."""
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        protocol, impact = app.incident.query_one("#protocol"), app.incident.query_one("#impact")
        assert protocol.has_class("-current") and protocol.rows.lit
        assert not impact.has_class("-current") and not impact.rows.lit
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert protocol.has_class("-current") and protocol.rows.lit  # lent, not gone
        await pilot.press("escape")
        await pilot.press("1")
        await pilot.pause()
        assert impact.has_class("-current") and impact.rows.lit
        assert not protocol.has_class("-current") and not protocol.rows.lit
        await pilot.press("4")  # Calm takes the keys itself (no list in it)
        await pilot.pause()
        assert app.incident.query_one("#calm").has_class("-current")
        assert not impact.has_class("-current") and not impact.rows.lit
