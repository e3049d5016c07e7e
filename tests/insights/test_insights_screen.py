"""The Insights screen: the same document as ``cockpit insights``, charted, from the start screen
(F2 or the palette) and from ``cockpit insights --ui``."""

from __future__ import annotations


from textual.widgets import Static

from cockpit.settings import Config
from cockpit.ui.insights import Chart, InsightsApp, InsightsScreen
from cockpit.ui.start import StartApp
from tests.waiting import until


def _status(app) -> str:
    return str(app.screen.query_one("#insights-status", Static).render())


async def test_the_screen_shows_the_figures_with_a_chart_that_never_relies_on_colour(corpus):
    app = InsightsApp(Config())
    async with app.run_test(size=(120, 48)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.document,
                    "the document is gathered")
        assert "3 incidents and 1 drills" in _status(app)
        chart = app.screen.query_one("#chart-severity", Chart)
        await until(pilot, lambda: "SEV1" in str(chart.render()), "the chart is drawn")
        drawn = str(chart.render())
        assert "█" in drawn and "▓" in drawn  # SEV1 and SEV2 each have their own fill
        assert "██ SEV1   ▓▓ SEV2" in drawn and "2026-09" in drawn and "2026-10" in drawn
        assert app.screen.query_one("#chart-drills", Chart)
        texts = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Open the incident channel" in texts and "bob" in texts
        await pilot.press("escape")
        await until(pilot, lambda: app.return_code is not None or not app.is_running, "escape quits")


async def test_f2_on_the_start_screen_opens_insights_and_escape_comes_back(corpus):
    app = StartApp(Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.document,
                    "the Insights screen with its document")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, InsightsScreen), "back on the start screen")
        assert app.is_running


async def test_no_sessions_says_so():
    app = InsightsApp(Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.document,
                    "the document is gathered")
        assert "0 incidents and 0 drills" in _status(app)
        texts = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "no incidents yet" in texts and "no scored drills yet" in texts
