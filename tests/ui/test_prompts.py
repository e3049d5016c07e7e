"""Typing in the cockpit is safe: prompts that need text stay open, lists stop at their ends,
quitting never silently throws typed words away, and the cockpit stays visible behind."""

from __future__ import annotations

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt

WIDE = (160, 48)


def kinds(session: Session, kind: str) -> list[ev.Event]:
    return [e for e in Session.open(session.path).events if e.kind == kind]


async def test_required_reason_stays_open_on_empty_enter_and_keys_go_into_it(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        prompt = TextPrompt("Skip it — why?", required=True)
        reasons: list[str | None] = []
        app.push_screen(prompt, reasons.append)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        hint = str(prompt.query_one("#prompt-hint").render())
        assert "A reason is needed" in hint
        await pilot.press(*"bridge already open", "enter")
        await pilot.pause()
        assert reasons == ["bridge already open"]
    assert kinds(app.incident.session, "note.added") == []  # "d" went into the field, not to a decision


async def test_required_prompt_still_cancels_on_escape(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        answers: list[str | None] = []
        app.push_screen(TextPrompt("Lowering SEV2 to SEV4: why?", required=True), answers.append)
        await pilot.pause()
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert answers == [None]
        assert not isinstance(app.screen, TextPrompt)


async def test_a_note_prompt_still_cancels_on_an_empty_enter(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, TextPrompt)
    assert kinds(app.incident.session, "note.added") == []


async def test_choice_lists_stop_at_their_ends(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, ChoicePrompt)
        values = [v for v, _ in prompt.options]
        await pilot.press(*["down"] * (len(values) + 2))
        assert prompt.query_one("OptionList").highlighted == len(values) - 1
        await pilot.press(*["up"] * (len(values) + 2))
        assert prompt.query_one("OptionList").highlighted == 0
        await pilot.press("escape")


async def test_ctrl_q_with_typed_text_asks_and_no_keeps_the_text(cockpit):
    guarded = cockpit()
    async with guarded.run_test(size=WIDE) as pilot:
        await pilot.press("d", *"roll back 4.2")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(guarded.screen, ConfirmPrompt)
        assert "Discard what you typed" in guarded.screen.question
        await pilot.press("n")
        await pilot.pause()
        bar = guarded.incident.query_one(EntryBar)
        assert guarded.screen is guarded.incident and bar.field.typed == "roll back 4.2"
        await pilot.press("enter")
        await pilot.pause()
        assert guarded.is_running
    assert [e.text for e in kinds(guarded.incident.session, "note.added")] == ["roll back 4.2"]


async def test_ctrl_q_with_typed_text_quits_after_yes(cockpit):
    guarded = cockpit()
    async with guarded.run_test(size=WIDE) as pilot:
        await pilot.press("n", *"half a thought")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert guarded.return_code is not None or not guarded.is_running
    assert kinds(guarded.incident.session, "note.added") == []


async def test_ctrl_q_on_an_empty_prompt_quits_at_once(cockpit):
    guarded = cockpit()
    async with guarded.run_test(size=WIDE) as pilot:
        await pilot.press("n", "ctrl+q")
        await pilot.pause()
        assert not isinstance(guarded.screen, ConfirmPrompt)
        assert guarded.return_code is not None or not guarded.is_running


async def test_the_cockpit_stays_visible_behind_a_prompt(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")  # the status picker
        await pilot.pause()
        assert isinstance(app.screen, ChoicePrompt)
        backdrop = app.screen.styles.background
        assert 0 < backdrop.a < 1
        app.theme = "high-contrast"  # the backdrop follows a theme changed under the prompt
        await pilot.pause()
        assert app.screen.styles.background != backdrop and 0 < app.screen.styles.background.a < 1
        # The panes' titles are still drawn on the screen the user sees.
        shown = app.export_screenshot()
        assert "Timeline" in shown and "Health" in shown
