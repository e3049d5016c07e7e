"""The replay screen, driven by its keys: every pane shows the incident as it was at the cursor."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.retro.replay import SavedSession
from cockpit.session import Session
from cockpit.ui.header import IncidentHeader
from cockpit.ui.replay import ReplayApp, ReplayScreen, TimeBar
from tests.waiting import until

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
SIZE = (160, 48)


def health(endpoint: str, old: str, new: str, detail: str = "") -> ev.HealthChanged:
    return ev.HealthChanged.model_validate({"endpoint": endpoint, "from": old, "to": new, "detail": detail,
                                            "by": "health"})


def summary(p50: float, state: str) -> ev.HealthSummary:
    return ev.HealthSummary(by="health", endpoints={"payments-api": ev.EndpointWindow(
        p50_ms=p50, p95_ms=p50 * 2, ok_ratio=1.0 if state == "up" else 0.0, state=state)})


@pytest.fixture
def recorded(make_session, clock: ManualClock) -> Path:
    """Declared SEV2 at 04:10; health and people events over 40 minutes; resolved at 04:50.

    seq: 1 configured, 2 declared, 3 alice joined, then (T+mm:ss):
      4 @1:00 summary 40 ms up       5 @2:00 summary 90 ms up     6 @3:00 payments-api up → down
      7 @4:00 summary 900 ms down    8 @5:00 bob takes commander  9 @12:00 severity SEV1
     10 @20:00 decision              11 @20:00 the cockpit closes "choose a mitigation" (proof: 10)
     12 @30:00 payments-api down → up 13 @35:00 monitoring          14 @40:00 resolved
    """
    session = make_session(endpoints=[ev.EndpointRef(name="payments-api", service="payments")])
    steps = [(60, summary(40, "up")), (60, summary(90, "up")), (60, health("payments-api", "up", "down", "timeout")),
             (60, summary(900, "down")), (60, ev.RoleAssigned(role="commander", handle="bob")),
             (420, ev.SeverityChanged(severity="SEV1", reason="all checkouts fail")),
             (480, ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision")),
             (600, health("payments-api", "down", "up")), (300, ev.StatusChanged(status="monitoring")),
             (300, ev.StatusChanged(status="resolved"))]
    for seconds, event in steps:
        clock.advance(seconds)
        session.record(event)
    session.close()
    return session.path


def replay_app(path: Path, handle: str = "dan") -> ReplayApp:
    return ReplayApp(SavedSession.read(path, clock=ManualClock(T0 + timedelta(days=2)), handle=handle))


def pane_text(screen: ReplayScreen, name: str) -> str:
    pane = screen.query_one(f"#{name}")
    return "\n".join(row.text.plain for row in pane.rows.rows)


def header_text(screen: ReplayScreen) -> str:
    return screen.query_one(IncidentHeader).text


async def test_opens_at_the_end_of_the_incident(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        assert screen.cursor.position == 14
        assert "RESOLVED" in header_text(screen) and "40:00" in header_text(screen)
        last = screen.query_one("#timeline").rows.rows[-1].text.plain
        assert last.startswith("04:50:00") and "resolved" in last.lower()
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_stepping_shows_each_pane_at_the_cursor(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("home")
        assert screen.cursor.position == 0 and pane_text(screen, "timeline") == ""
        await pilot.press("right", "right")
        assert "SEV2" in header_text(screen) and "INVESTIGATING" in header_text(screen)
        await pilot.press(*["right"] * 4)  # up to the health change at 04:13
        assert screen.cursor.position == 6
        assert "▼ DOWN" in pane_text(screen, "health")
        assert "IC nobody" in header_text(screen)
        assert "nobody holds the commander role" in pane_text(screen, "team")
        await pilot.press("right", "right")  # bob takes commander
        assert "IC bob" in header_text(screen)
        team = pane_text(screen, "team")
        assert "nobody holds the commander role" not in team
        assert any("bob" in line and "commander" in line for line in team.splitlines())
        await pilot.press("left", "left")
        assert "IC nobody" in header_text(screen) and screen.cursor.position == 6


async def test_timeline_shows_events_up_to_the_cursor_and_highlights_the_current_one(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("home", *["right"] * 9)  # the severity change at 04:22
        rows = screen.query_one("#timeline").rows
        lines = [row.text.plain for row in rows.rows]
        assert "SEV1" in lines[-1] and lines[-1].startswith("04:22:00")
        assert rows.cursor == len(lines) - 1
        assert not any("roll back" in line for line in lines)  # the decision at 04:30 is still ahead
        await pilot.press("left", "left", "left")  # the health change at 04:13
        lines = [row.text.plain for row in rows.rows]
        assert lines[-1].startswith("04:13:00") and "payments-api" in lines[-1] and "down" in lines[-1]
        assert rows.cursor == len(lines) - 1
        assert not any("SEV1" in line or "bob" in line for line in lines)


async def test_key_moments_jump_and_are_marked_on_the_time_bar(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("home", "right_square_bracket")
        assert screen.cursor.position == 2  # declared
        await pilot.press("right_square_bracket")
        assert screen.cursor.position == 6 and "▼ DOWN" in pane_text(screen, "health")
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.cursor.position == 9 and header_text(screen).startswith(" SEV1")
        await pilot.press("left_square_bracket")
        assert screen.cursor.position == 8 and header_text(screen).startswith(" SEV2")
        bar = screen.query_one(TimeBar).render().plain.splitlines()
        assert bar[0].count("◆") >= 6 and bar[0].count("█") == 1
        assert "event 8 of 14" in bar[1] and "T+5:00" in bar[1]


async def test_home_end_speed_and_play(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        bar = screen.query_one(TimeBar)
        await pilot.press("minus")
        assert bar.speed == 30
        await pilot.press(*["plus"] * 12)
        assert bar.speed == 600
        await pilot.press("home", "space")
        assert screen._timer is not None and "▶ playing" in bar.render().plain
        # 600×: a minute of incident per 0.1 s of play
        await until(pilot, lambda: screen.cursor.position >= 4, "the replay to play past event 4")
        await pilot.press("space")
        assert screen._timer is None and "‖ paused" in bar.render().plain
        moment = screen.cursor.time
        assert moment > T0 and screen.cursor.state == screen.cursor.state_at(moment)
        await pilot.press("end")
        assert screen.cursor.position == 14 and "RESOLVED" in header_text(screen)


async def test_sparklines_come_from_health_summaries(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("home", *["right"] * 5)  # two summaries: 40 ms then 90 ms
        line = pane_text(screen, "health")
        assert "90 ms" in line and "▄█" in line  # 40 ms then 90 ms, scaled to the highest
        await pilot.press("right", "right")  # the third summary, 900 ms while down
        assert "▁▁█" in pane_text(screen, "health")


async def test_go_to_a_time(recorded):
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("g", *"T+12:30", "enter")
        await pilot.pause()
        assert screen.cursor.time == T0 + timedelta(minutes=12, seconds=30)
        assert screen.cursor.position == 9 and "12:30" in header_text(screen)
        await pilot.press("g", *"04:31", "enter")
        await pilot.pause()
        assert screen.cursor.time == T0 + timedelta(minutes=21) and screen.cursor.position == 11
        await pilot.press("g", *"soon", "enter")
        await pilot.pause()
        assert screen.cursor.position == 11
        assert any("is not a time" in str(n.message) for n in app._notifications)


async def test_retro_note_is_appended_about_the_cursor_time(recorded):
    before = recorded.read_bytes()
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("home", *["right"] * 6)
        await pilot.press("r", *"how: the deploy skipped canary", "enter")
        await pilot.pause()
        assert screen.cursor.position == 6  # the cursor stays where the note is about
        await pilot.press("end")  # the note's mark was under the cursor; now it shows
        assert screen.query_one(TimeBar).render().plain.count("✎") == 1
        assert screen.cursor.position == 14 and "event 14 of 14" in screen.query_one(TimeBar).render().plain
    after = recorded.read_bytes()
    assert after.startswith(before)
    notes = [e for e in Session.open(recorded, read_only=True).events if e.kind == "retro.note"]
    assert len(notes) == 1
    note = notes[0]
    assert (note.text, note.category, note.by) == ("the deploy skipped canary", "how", "dan")
    assert note.about == T0 + timedelta(minutes=3)


async def test_panes_cannot_change_the_record(recorded):
    before = recorded.read_bytes()
    app = replay_app(recorded)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home", *["right"] * 3, "2")
        await pilot.press("down", "enter")  # "mark this step done" in the Protocol pane
        await pilot.pause()
        assert any("This is a replay" in str(n.message) for n in app._notifications)
        assert not any("press r" in str(n.message) for n in app._notifications)  # r: retro note
        detail = str(app.screen.query_one("#step-detail").render())
        assert detail.strip() and "Enter done" not in detail  # no hints for keys that do not act
        assert "· Enter" not in pane_text(app.screen, "team")
    assert recorded.read_bytes() == before


async def test_a_drill_shows_its_badge(make_session, clock):
    session = make_session(drill=True)
    session.close()
    app = replay_app(session.path)
    async with app.run_test(size=SIZE):
        assert "DRILL" in header_text(app.screen)


def test_bad_session_is_a_clear_error(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.toml")]) == 2
    assert "no session file" in capsys.readouterr().err


def test_replay_screen_snapshot(recorded, snap_compare):
    async def at_the_severity_change(pilot):
        await pilot.press("home", *["right_square_bracket"] * 4)

    assert snap_compare(replay_app(recorded), terminal_size=SIZE, run_before=at_the_severity_change)


def test_replay_screen_snapshot_small(recorded, snap_compare):
    async def at_the_health_change(pilot):
        await pilot.press("home", *["right"] * 6, "5")

    assert snap_compare(replay_app(recorded), terminal_size=(80, 24), run_before=at_the_health_change)
