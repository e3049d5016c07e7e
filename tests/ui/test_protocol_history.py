"""The Protocol pane keeps history: a step done or skipped shows who did it and when, from the
record, never whoever holds the owner role today; only open steps show the current holder.
And after the resolution nothing in it counts on or down."""

from __future__ import annotations

from datetime import timedelta

from cockpit.domain import events as ev
from cockpit.session import Session

WIDE = (160, 48)


def rows(app) -> dict[str, str]:
    return app.query_one("#protocol").row_texts()


def detail(app) -> str:
    return str(app.query_one("#protocol").query_one("#step-detail").render())


async def select(pilot, step_id: str) -> None:
    protocol = pilot.app.query_one("#protocol")
    protocol.rows._move_to(next(i for i, r in enumerate(protocol.rows.rows) if r.key == step_id))
    await pilot.pause()


def handed_over(session: Session, clock) -> Session:
    """alice commands and does the early steps; bob skips one; then erin takes over command."""
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    clock.advance(minutes=2)
    session.record(ev.StepDone(step="open-bridge"))
    session.record(ev.StepSkipped(step="stop-changes", reason="no deploys today", by="bob"))
    clock.advance(minutes=3)
    session.record(ev.RoleAssigned(role="commander", handle="erin", briefing="bridge is open"))
    return session


async def test_done_and_skipped_steps_show_who_did_them_not_the_holder_now(cockpit, make_session,
                                                                          config, clock):
    session = handed_over(make_session(config=config), clock)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        shown = rows(app)
        assert " alice " in shown["assign-commander"] and " erin " not in shown["assign-commander"]
        assert " alice " in shown["open-bridge"] and "done 04:12" in shown["open-bridge"]
        assert " bob " in shown["stop-changes"] and "skipped 04:12" in shown["stop-changes"]
        # open steps owned by the commander: erin holds the role now
        assert " erin " in shown["assign-roles"] and " erin " in shown["size-up"]
        assert "comms —" in shown["first-external-update"]  # nobody holds comms
        await select(pilot, "stop-changes")
        assert "skipped by bob at 04:12: no deploys today" in detail(app)
        await select(pilot, "open-bridge")
        assert "done by alice at 04:12" in detail(app)


async def test_a_step_the_cockpit_closed_says_so(cockpit, make_session, config, clock):
    session = make_session(config=config)
    note = session.record(ev.NoteAdded(text="roll back deploy 3", tag="decision"))  # closes it
    assert session.events[-1].kind == "step.done" and session.events[-1].evidence == note.seq
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        assert " cockpit " in rows(app)["mitigate"]
        await select(pilot, "mitigate")
        assert f"the record proves it (event #{note.seq})" in detail(app)


async def test_after_resolution_nothing_counts_on(cockpit, make_session, config, clock):
    session = make_session(config=config)
    clock.advance(minutes=3)
    session.record(ev.UpdatePosted(text="on it", audience="external"))  # next external due 23:00
    clock.advance(minutes=17)
    session.record(ev.StatusChanged(status="resolved"))  # at 20:00: internal update LATE 5m
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        at_resolution = rows(app)
        header = app.query_one("#header")._parts[1].plain
        for later in (timedelta(minutes=5), timedelta(hours=2)):
            clock.advance(seconds=later.total_seconds())
            app.incident.tick()
            await pilot.pause()
            assert rows(app) == at_resolution
            assert app.query_one("#header")._parts[1].plain == header
    assert "stopped" in at_resolution["external-update"] and "-" not in at_resolution["external-update"].split()[-1]
    assert "LATE 5m" in at_resolution["internal-update"]
    assert "not done" in at_resolution["verify-recovery"]
    assert "T+00:20:00" in header and "next" not in header


def test_calm_lines_stop_at_resolution(make_session, clock):
    from cockpit.ui.calm_mode import clock_line, step_line

    session = make_session()
    clock.advance(minutes=30)
    session.record(ev.StatusChanged(status="resolved"))
    state, now = session.state, clock.now()
    later = now + timedelta(hours=3)
    assert clock_line(state, later).plain == clock_line(state, now).plain == "T+00:30:00  ·  resolved"
    step = step_line(state, later).plain
    assert step == step_line(state, now).plain
    assert "LATE" not in step and "due in" not in step
