"""What an SSH user's terminal receives while nothing is pressed, counted from what Textual would
write (each compositor update rendered to its escape sequences, as the real driver sends them)."""

from __future__ import annotations

from textual._compositor import CompositorUpdate

from cockpit.domain import events as ev
from cockpit.settings import Config

WIDE = (160, 48)


def written(app) -> list[int]:
    """Bytes of each frame ``app`` sends to the terminal from now on."""
    sizes: list[int] = []
    display = app._display

    def counting(screen, renderable):
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:  # as Textual does
            sizes.append(len(renderable.render_segments(app.console).encode()))
        return display(screen, renderable)

    app._display = counting
    return sizes


async def settle(pilot, screen, clock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        screen.tick()
        await pilot.pause()


async def test_a_resolved_incident_sends_nothing_once_settled(cockpit, make_session, config, clock):
    session = make_session(config=config)
    clock.advance(minutes=41)
    session.record(ev.StatusChanged(status="resolved"))
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app.incident, clock, 2)
        sizes = written(app)
        await settle(pilot, app.incident, clock, 5)
        assert sizes == []


async def test_a_live_tick_sends_less_than_its_screen(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app.incident, clock, 2)
        sizes = written(app)
        await settle(pilot, app.incident, clock, 5)
        ticks = list(sizes)
        sizes.clear()
        app.incident.refresh()
        await pilot.pause()
        assert ticks and sizes
        assert max(ticks) < sizes[0] / 4  # a tick is a few lines' worth, never a whole frame


async def test_a_tick_behind_an_open_prompt_sends_nothing(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app.incident, clock, 1)
        await pilot.press("s")  # the severity picker: a see-through modal
        await pilot.pause()
        sizes = written(app)
        await settle(pilot, app.incident, clock, 3)
        assert sizes == []
        await pilot.press("escape")
        await pilot.pause()
        assert "T+00:00:04" in app.incident.query_one("#header").text  # caught up on closing


async def test_the_entry_bar_sends_its_lines_not_the_screen_and_the_clocks_go_on(cockpit, clock):
    from cockpit.ui.entry_bar import EntryBar

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app.incident, clock, 1)
        app.incident.refresh()
        sizes = written(app)
        await pilot.pause()
        screen = sum(sizes)
        sizes.clear()
        await pilot.press("n")
        await pilot.pause()
        assert app.incident.query_one(EntryBar).is_open
        assert sizes and sum(sizes) < screen / 2  # the bar and the pane it took the keys from
        sizes.clear()
        await settle(pilot, app.incident, clock, 1)
        assert "T+00:00:02" in app.incident.query_one("#header").text  # still ticking
        assert sizes and max(sizes) < screen / 4
        sizes.clear()
        await pilot.press("escape")
        await pilot.pause()
        assert not app.incident.query_one(EntryBar).is_open
        assert sizes and sum(sizes) < screen / 2


async def test_low_bandwidth_from_config_drops_sparklines_and_stills_the_pacer(make_session, clock,
                                                                               config):
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.pacer import BreathingPacer
    from cockpit.ui.panes.health import HealthPane

    low = config.model_copy(update={"ui": config.ui.model_copy(update={"low_bandwidth": True})})
    app = CockpitApp(make_session(config=low), config=low, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        assert app.incident.low_bandwidth
        assert app.incident.query_one("#health", HealthPane).sparklines is False
        await pilot.press("c")
        await pilot.pause()
        assert not app.screen.query_one(BreathingPacer).animated  # calm mode's pacer is still too
    assert Config().ui.low_bandwidth is False


async def test_opening_a_prompt_costs_about_one_frame(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app.incident, clock, 1)
        sizes = written(app)
        app.incident.refresh()
        await pilot.pause()
        frame = sum(sizes)
        sizes.clear()
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause()
        assert "Enter to choose" in str(app.screen.query_one(".prompt-hint").render())
        assert 0 < sum(sizes) <= 1.5 * frame  # was two full frames and more


async def test_the_pacer_moves_in_calm_mode_only(cockpit):
    from cockpit.ui.calm_mode import CalmScreen
    from cockpit.ui.pacer import STILL, BreathingPacer

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        on_main = app.incident.query_one("#calm").query_one(BreathingPacer)
        assert not on_main.animated and str(on_main.render()) == STILL  # nothing ticks on the main screen
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CalmScreen) and app.screen.query_one(BreathingPacer).animated


async def test_the_entry_bar_opens_in_one_frame_of_its_own_rows(cockpit, clock):
    """Once laid out (the first opening lays it out), the bar opens and closes with no layout: one
    frame each, of its three rows; the pane it took the keys from is not drawn again, nor any
    scrollbar (a layout used to draw every list's scrollbar again, in a second frame)."""
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for name in ("add-many", "n", "escape"):
            if name == "add-many":
                for n in range(60):  # a timeline that scrolls, with its scrollbar
                    app.incident.record(ev.NoteAdded(text=f"note {n}"))
            else:
                await pilot.press(name)
            await pilot.pause()
            await settle(pilot, app.incident, clock, 1)
        app.incident.refresh()
        sizes = written(app)
        await pilot.pause()
        screen = sum(sizes)
        for key, is_open in (("n", True), ("escape", False)):
            sizes.clear()
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            assert app.incident.query_one("#entry-bar").is_open is is_open
            assert len(sizes) == 1 and sizes[0] < screen / 8, (key, sizes, screen)
