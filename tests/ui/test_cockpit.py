"""The cockpit driven with Pilot: every interaction ends in the session file, read back from disk."""

from __future__ import annotations


from textual.widgets import Input, OptionList

from cockpit.domain import events as ev
from cockpit.seat import Seat
from cockpit.session import Session
from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from tests.waiting import until

WIDE = (160, 48)
NARROW = (80, 24)


def kinds(session: Session, kind: str) -> list[ev.Event]:
    return [e for e in Session.open(session.path).events if e.kind == kind]


async def type_text(pilot, text: str) -> None:
    """Type ``text`` into the prompt on top (or the entry bar) once its field has the keys, then
    Enter; done when the prompt has closed and its answer has been handled (a prompt may come
    from a worker)."""
    await until(pilot, lambda: isinstance(pilot.app.focused, Input), "a text field with the keys")
    bars = [node for node in pilot.app.focused.ancestors if isinstance(node, EntryBar)]
    prompt = pilot.app.screen
    await pilot.press(*text)
    await pilot.press("enter")
    if bars:
        await until(pilot, lambda: not bars[0].is_open, "the entry bar to close")
    else:
        await until(pilot, lambda: prompt not in pilot.app.screen_stack, f"{prompt} to close")
    await pilot.pause()


async def choose(pilot, value: str) -> None:
    """Pick ``value`` in the ChoicePrompt on top once it is up (its own highlight set, its list
    focused); done when it has closed and its answer has been handled."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ChoicePrompt)
                and pilot.app.screen.is_mounted and isinstance(pilot.app.focused, OptionList),
                "a choice prompt")
    screen = pilot.app.screen
    values = [v for v, _ in screen.options]
    options = screen.query_one("OptionList")
    options.highlighted = values.index(value)
    await pilot.press("enter")
    await until(pilot, lambda: screen not in pilot.app.screen_stack, f"{screen} to close")
    await pilot.pause()


async def confirm_prompt(pilot) -> None:
    """Until the yes/no question a worker asks next is up and has the keys."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPrompt)
                and pilot.app.screen.is_mounted and pilot.app.focused is not None
                and pilot.app.focused.screen is pilot.app.screen, "a yes/no question")


def palette_found(app, title: str) -> bool:
    """The command palette has finished searching and highlights the command ``title``."""
    from textual.command import CommandList, CommandPalette

    palette = app.screen
    if not isinstance(palette, CommandPalette) or any(
            w.group == CommandPalette._GATHER_COMMANDS_GROUP and not w.is_finished
            for w in app.workers):
        return False
    option = palette.query_one(CommandList).highlighted_option
    return option is not None and title in str(option.prompt)


async def test_quick_entries_are_recorded_on_enter(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for key, tag in (("n", "note"), ("d", "decision"), ("a", "action"), ("h", "hypothesis")):
            await pilot.press(key)
            assert app.screen is app.incident and app.incident.query_one(EntryBar).is_open
            assert app.incident.query_one(EntryBar).tag == tag
            await type_text(pilot, f"{tag} one")
            recorded = kinds(app.incident.session, "note.added")[-1]  # on disk the moment Enter was pressed
            assert (recorded.text, recorded.tag) == (f"{tag} one", tag)
        await pilot.press("n", "escape")
        await pilot.pause()
        assert len(kinds(app.incident.session, "note.added")) == 4
        timeline = app.query_one("#timeline")
        assert "decision: decision one" in timeline.rows.rows[-3].text.plain


async def test_severity_raise_then_lower_asks_for_a_reason(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        await choose(pilot, "SEV1")
        assert app.incident.session.state.severity == "SEV1"
        await pilot.press("s")
        await choose(pilot, "SEV3")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("escape")  # no reason, no change
        await pilot.pause()
        assert app.incident.session.state.severity == "SEV1"
        await pilot.press("s")
        await choose(pilot, "SEV3")
        await type_text(pilot, "only internal users")
    changes = kinds(app.incident.session, "severity.changed")
    assert [(c.severity, c.reason) for c in changes][-1] == ("SEV3", "only internal users")
    assert [c.severity for c in changes] == ["SEV1", "SEV3"]


async def test_status_change_and_resolving_needs_confirmation(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await choose(pilot, "identified")
        await pilot.press("t")
        await choose(pilot, "resolved")
        await confirm_prompt(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert app.incident.session.state.status == "identified"
        await pilot.press("t")
        await choose(pilot, "resolved")
        await confirm_prompt(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert "RESOLVED" in app.query_one("#header")._parts[1].plain
    assert [e.status for e in kinds(app.incident.session, "status.changed")] == ["identified", "resolved"]


async def test_impact_fields_are_answered_from_the_keyboard(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        app.incident.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down", detail="refused"))
        await pilot.press("1")
        await pilot.press("down", "enter")  # users affected
        await choose(pilot, "some")
        await pilot.press("down", "enter")  # functionality
        await choose(pilot, "partial")
        impact = app.query_one("#impact")
        plain = "\n".join(r.text.plain for r in impact.rows.rows)
        assert "suggested" in plain and "SEV2 major" in plain
        assert "some users lose functionality" in plain
        assert "failing now: payments" in plain
        for _ in range(3):
            await pilot.press("down")
        await pilot.press("enter")  # services: prefilled with the services that are down
        await until(pilot, lambda: isinstance(app.screen, TextPrompt)
                    and isinstance(app.focused, Input), "the services prompt")
        assert app.screen.query_one("Input").value == "payments"
        await pilot.press("enter")
        await pilot.pause()
    answers = {e.field: e.value for e in kinds(app.incident.session, "impact.assessed")}
    assert answers == {"users_affected": "some", "functionality": "partial", "services": "payments"}


async def test_protocol_done_skip_reopen_and_add_protocol(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        protocol = app.query_one("#protocol")
        await pilot.press("down")  # assign-commander (declare is done already)
        first_open = protocol.rows.selected_key
        await pilot.press("enter")
        await pilot.pause()
        assert app.incident.session.state.steps[first_open].state == "done"
        await pilot.press("down", "x")
        skipped = protocol.rows.selected_key
        await type_text(pilot, "bridge already open")
        await pilot.press("up", "r")
        await pilot.pause()
        await pilot.press("p")
        await choose(pilot, "security-breach")
        assert "security-breach" in protocol.heading
    session = Session.open(app.incident.session.path)
    assert [e.step for e in kinds(app.incident.session, "step.done")] == [first_open]
    assert [(e.step, e.reason) for e in kinds(app.incident.session, "step.skipped")] == [(skipped, "bridge already open")]
    assert [e.step for e in kinds(app.incident.session, "step.reopened")] == [first_open]
    added = kinds(app.incident.session, "protocol.added")[0]
    assert added.protocol == "security-breach" and len(added.steps) > 0
    assert [p.name for p in session.state.protocols] == ["major-incident", "security-breach"]


async def test_protocol_rows_say_late_by_how_much(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        clock.advance(minutes=4)
        app.incident.tick()
        await pilot.pause()
        rows = app.query_one("#protocol").row_texts()
        assert rows["assign-commander"].startswith("!") and "LATE 1m" in rows["assign-commander"]
        assert rows["declare"].startswith("✔")
        assert "next in" in rows["external-update"]
        notes = [n.message for n in app._notifications]
        assert any("LATE 1m" in m and "commander" in m for m in notes)
        app.incident.tick()  # once per step and deadline, not every second
        assert len(app._notifications) == len(notes)


async def test_team_add_assign_hand_over_status(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3")
        team = app.query_one("#team")
        await pilot.press("plus")
        await choose(pilot, "bob")
        await choose(pilot, "engaged")
        await pilot.press("plus")
        await choose(pilot, "")  # someone else, typed by hand
        await type_text(pilot, "erin")
        await choose(pilot, "paged")
        team.rows._move_to(next(i for i, r in enumerate(team.rows.rows) if r.key == "member:bob"))
        await pilot.press("r")
        await choose(pilot, "ops")
        assert app.incident.session.state.holders("ops") == ["bob"]
        await pilot.press("o")  # bob holds one role: hand it over
        await choose(pilot, "erin")
        await type_text(pilot, "rollback half done, watch replica lag")
        assert app.incident.session.state.holders("ops") == ["erin"]
        await pilot.press("enter")  # on bob: change his status
        await choose(pilot, "resting")
    joined = {e.handle: e.status for e in kinds(app.incident.session, "member.joined")}
    assert joined["bob"] == "engaged" and joined["erin"] == "paged"
    released = kinds(app.incident.session, "role.released")[-1]
    assigned = kinds(app.incident.session, "role.assigned")[-1]
    assert (released.role, released.handle) == ("ops", "bob")
    assert (assigned.role, assigned.handle, assigned.briefing) == (
        "ops", "erin", "rollback half done, watch replica lag")
    assert kinds(app.incident.session, "member.status")[-1].status == "resting"


async def test_empty_role_row_assigns_the_commander(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3")
        team = app.query_one("#team")
        team.rows._move_to(next(i for i, r in enumerate(team.rows.rows) if r.key == "role:commander"))
        await pilot.press("enter")
        await choose(pilot, "alice")
        assert "IC alice" in app.query_one("#header")._parts[1].plain
    assert Session.open(app.incident.session.path).state.commander == "alice"


async def test_ask_timer_counts_down_expires_and_is_acknowledged(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3", "k")
        await until(pilot, lambda: isinstance(app.focused, Input), "the ask prompt")
        assert app.screen.query_one("Input").value == "alice: "  # the selected person
        await pilot.press("ctrl+u")
        await type_text(pilot, "bob: check replica lag, back in 10 min")
        ask = kinds(app.incident.session, "ask.started")[0]
        assert (ask.handle, ask.task, ask.minutes) == ("bob", "check replica lag", 10)
        team = app.query_one("#team")
        row = next(r for r in team.rows.rows if r.key == f"ask:{ask.seq}")
        assert "10m left" in row.text.plain
        clock.advance(minutes=11)
        app.incident.tick()
        await pilot.pause()
        row = next(r for r in team.rows.rows if r.key == f"ask:{ask.seq}")
        assert "time is up (1m ago)" in row.text.plain
        assert any("check replica lag — time is up" in n.message for n in app._notifications)
        team.rows._move_to(team.rows.rows.index(row))
        await pilot.press("enter")
        await pilot.pause()
        assert not any(r.key == f"ask:{ask.seq}" for r in team.rows.rows)
    assert kinds(app.incident.session, "ask.done")[0].ask == ask.seq


async def test_health_rows_and_detail_are_literal(cockpit):
    from cockpit.ui.panes.health import EndpointDetail

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        app.incident.record(ev.HealthChanged(endpoint="payments-api", from_="unknown", to="down",
                                    detail="\x1b[31mstatus 503\x1b[0m [link=evil]x[/link]"))
        app.incident.record(ev.HealthChanged(endpoint="checkout-api", from_="unknown", to="up"))
        await pilot.press("5")
        health = app.query_one("#health")
        rows = [r.text.plain for r in health.rows.rows]
        assert rows[0].startswith("▼ DOWN") and "payments-api" in rows[0]
        assert rows[1].startswith("▲ UP")
        assert "1 down" in health.heading
        await pilot.press("home", "enter")
        assert isinstance(app.screen, EndpointDetail)
        await until(pilot, lambda: app.screen.query_one("#endpoint-detail"), "the endpoint's detail")
        detail = str(app.screen.query_one("#endpoint-detail").render())
        assert "status 503 [link=evil]x[/link]" in detail and "\x1b" not in detail
        await pilot.press("escape")


async def test_timeline_filter_by_kind(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        app.incident.record(ev.NoteAdded(text="roll back", tag="decision"))
        app.incident.record(ev.NoteAdded(text="just a note"))
        await pilot.press("6", "f")
        await choose(pilot, "decisions")
        timeline = app.query_one("#timeline")
        assert [r.text.plain[20:] for r in timeline.rows.rows] == ["decision: roll back"]
        assert "showing decisions" in timeline.heading
        await pilot.press("f")
        await choose(pilot, "all")
        assert len(timeline.rows.rows) == len(app.incident.session.events)


async def test_80x24_shows_one_pane_with_tabs_and_the_strip(cockpit):
    app = cockpit()
    async with app.run_test(size=NARROW) as pilot:
        app.incident.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down", detail="refused"))
        app.incident.record(ev.NoteAdded(text="rolled back", tag="action"))
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        visible = [p.id for p in app.query("#panes > *") if p.display]
        assert visible == ["impact"]
        await pilot.press("3")
        await pilot.pause()
        assert [p.id for p in app.query("#panes > *") if p.display] == ["team"]
        assert "[3 Team]" in app.query_one("#tabs").text.plain
        strip = app.query_one("#strip").text.plain
        assert "▼ DOWN payments-api" in strip and "action: rolled back" in strip
        await pilot.resize_terminal(60, 20)
        await until(pilot, lambda: app.query_one("#too-small").display, "the too-small notice")
        await pilot.resize_terminal(*WIDE)
        await until(pilot, lambda: all(p.display for p in app.query("#panes > *")), "all six panes")


async def test_markup_in_titles_notes_and_endpoints_shows_literally(make_session, config, clock):
    from cockpit.ui.app import CockpitApp

    session = make_session(title="[link=evil]Checkout[/link] [bold]down", config=config)
    app = CockpitApp(session, config=config, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await type_text(pilot, "[bold]x[/]")
        app.incident.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down",
                                    detail="\x1b]0;pwned\x07\x1b[2J[red]boom"))
        await pilot.pause()
        header = app.query_one("#header")._parts[0].plain
        assert "[link=evil]Checkout[/link] [bold]down" in header
        timeline = [r.text.plain for r in app.query_one("#timeline").rows.rows]
        assert any(line.endswith("[bold]x[/]") for line in timeline)
        assert any("[red]boom" in line and "\x1b" not in line for line in timeline)
        app.save_screenshot("markup.svg")  # the whole screen renders without a markup error
    assert kinds(session, "note.added")[-1].text == "[bold]x[/]"


async def test_read_only_seat_records_nothing_and_is_seen_watching(cockpit, make_session, config,
                                                                     clock):
    session = make_session(config=config)
    before = session.path.read_bytes()
    watcher = Session.open(session.path, clock=clock, handle="bob", read_only=True)
    app = cockpit(watcher)
    async with app.run_test(size=WIDE) as pilot:
        lead = Seat(session)
        known = len(session.events)
        lead.join()
        assert lead.watchers() == ["bob"]  # seen through its side file, not the journal
        for key in ("n", "d", "a", "h", "s", "t", "u", "2", "x", "p", "enter", "3", "plus", "k"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, (TextPrompt, ChoicePrompt)), key  # refused up front
            assert not app.incident.query_one(EntryBar).is_open, key
        assert any("read-only" in n.message for n in app._notifications)
        await lead.leave()
    assert [e.kind for e in Session.open(session.path).events[known:]] == [
        "seat.joined", "seat.left"]  # the lead's own coming and going, nothing of bob's
    assert session.path.read_bytes().startswith(before)
    assert b'"bob"' not in session.path.read_bytes()[len(before):]
    assert Seat(session).watchers() == []


async def test_other_seats_appends_show_up(cockpit, make_session, config, clock):
    session = make_session(config=config)
    app = cockpit(session)
    other = Session.open(session.path, clock=clock, handle="bob")
    async with app.run_test(size=WIDE) as pilot:
        other.record(ev.SeatJoined(handle="bob"))
        other.record(ev.NoteAdded(text="from bob's seat", tag="hypothesis"))
        await until(pilot, lambda: "hypothesis: from bob's seat"
                    in app.query_one("#timeline").rows.rows[-1].text.plain, "bob's note")
        await until(pilot, lambda: "watching: bob" in app.query_one("#header")._parts[1].plain,
                    "bob watching")
    seats = [e.kind for e in Session.open(session.path).events if e.kind.startswith("seat.")]
    assert seats == ["seat.joined", "seat.joined", "seat.left"]


async def test_what_another_seat_changes_shows_in_the_header_with_the_push_that_follows_it(
        cockpit, make_session, config, clock):
    """A push after a note leaves the header as it was (the tick looks every second); after
    anything else, it looks again at once: here no tick runs between the read and the look."""
    session = make_session(config=config)
    app = cockpit(session)
    other = Session.open(session.path, clock=clock, handle="bob")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen, header = app.incident, app.query_one("#header")
        for event, shown in ((ev.NoteAdded(text="lag again", tag="note"), "SEV2"),
                             (ev.SeverityChanged(severity="SEV1", reason="all checkouts fail"), "SEV1"),
                             (ev.StatusChanged(status="identified"), "IDENTIFIED")):
            other.record(event)
            assert screen.seat.follow(wait_for_lock=True)
            screen.push_state()
            assert shown in header.text, (event.kind, header.text)


async def test_palette_offers_every_action(cockpit):
    from cockpit.ui.commands import COMMANDS

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for _, _, action in COMMANDS:
            target, _, name = action.split("(")[0].rpartition(".")
            assert hasattr(app if target == "app" else app.incident, f"action_{name}"), action
        await pilot.press("ctrl+p")
        await pilot.press(*"retitle")
        await until(pilot, lambda: palette_found(app, "Retitle the incident"), "the retitle command")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt)
                    and isinstance(app.focused, Input), "the retitle prompt")
        await pilot.press("end")
        await type_text(pilot, " (EU)")
    assert kinds(app.incident.session, "incident.retitled")[0].title == "Checkout API returning 500s (EU)"


async def test_calm_update_and_help_open_their_screens(cockpit):
    from cockpit.ui.calm_mode import CalmScreen
    from cockpit.ui.composer import UpdateComposer
    from cockpit.ui.help import HelpScreen

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for key, screen in (("c", CalmScreen), ("question_mark", HelpScreen), ("u", UpdateComposer)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, screen)


async def test_calm_pane_nudges_after_a_long_stretch(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        calm = app.query_one("#calm")
        assert calm.nudge(app.incident.session.state, app.incident.now()) == ""
        clock.advance(minutes=95)
        app.incident.tick()
        await pilot.pause()
        assert "ask for support, or hand over" in calm.nudge(app.incident.session.state, app.incident.now())
        assert "T+1h 35m" in str(calm.query_one("#calm-pane-clock").render())


def test_every_event_kind_is_described():
    from cockpit.domain.events import KINDS, RawEvent
    from cockpit.narrate import narrated_kinds
    from cockpit.ui.panes.describe import describe

    assert set(KINDS) <= narrated_kinds()
    raw = RawEvent.model_validate({"kind": "pager.escalated", "seq": 3, "team": "db"})
    assert describe(raw) == 'pager.escalated: team="db"'
    assert describe(ev.HealthChanged(endpoint="db", from_="up", to="down", detail="refused")) == \
        "db up → down (refused)"
    assert describe(ev.RoleAssigned(role="ops", handle="erin", briefing="rollback half done")) == \
        "erin took ops lead — briefing: rollback half done"


def test_ask_parsing():
    from cockpit.ui.panes.team import parse_ask

    assert parse_ask("bob: check replica lag, back in 10 min") == ("bob", "check replica lag", 10.0)
    assert parse_ask("carol: call the vendor in 5m") == ("carol", "call the vendor", 5.0)
    assert parse_ask("dan: draft the update") == ("dan", "draft the update", 10.0)
    assert parse_ask("no colon here") is None


async def test_timeline_follows_new_entries_and_stays_put_when_scrolled(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for i in range(60):
            app.incident.record(ev.NoteAdded(text=f"entry {i}"))
        timeline = app.query_one("#timeline").rows
        await until(pilot, lambda: len(timeline.rows) > 60 and timeline.max_scroll_y > 0,
                    "the 60 entries on the timeline")
        assert timeline.cursor == len(timeline.rows) - 1
        await until(pilot, lambda: timeline.scroll_y == timeline.max_scroll_y, "the newest in view")
        await pilot.press("6", "home")
        app.incident.record(ev.NoteAdded(text="later"))
        await until(pilot, lambda: timeline.rows[-1].text.plain.endswith("later"), "the later entry")
        assert timeline.cursor == 0 and timeline.scroll_y == 0


async def test_a_burst_from_another_seat_that_first_makes_the_timeline_scroll_shows_the_newest(
        cockpit, make_session, config):
    """Sixty entries read at once: the rows grow past the pane in one frame, before the layout
    shows the scrollbar (a scroll was then ignored, and the newest entry stayed out of view)."""
    session = make_session(config=config)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        timeline = app.query_one("#timeline").rows
        await until(pilot, lambda: timeline.rows and timeline.size.height, "the timeline laid out")
        other = Session.open(session.path, handle="bob")
        for i in range(60):
            other.record(ev.NoteAdded(text=f"entry {i}"))
        other.close()
        await until(pilot, lambda: timeline.rows[-1].text.plain.endswith("entry 59"), "the burst")
        await until(pilot, lambda: timeline.max_scroll_y > 0 and timeline.scroll_y == timeline.max_scroll_y,
                    "the newest in view")


async def test_a_refused_write_is_kept_shown_and_saved_later(cockpit, make_session, config):
    """The disk refuses (file size limit, a real EFBIG); the note waits in memory, then lands."""
    import resource
    import signal

    session = make_session(config=config)
    app = cockpit(session)
    told = []  # every notice, as raised: a short one may expire before a slow machine looks
    notify = app.notify
    app.notify = lambda message, **kwargs: (told.append(kwargs.get("title", "")),
                                            notify(message, **kwargs))[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    async with app.run_test(size=WIDE) as pilot:
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (session.path.stat().st_size, hard))
            await pilot.press("n")
            await type_text(pilot, "typed while the disk was full")
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, previous)
        assert kinds(session, "note.added") == []
        assert "Not saved yet" in told
        await pilot.pause()
        assert "1 not saved yet" in app.query_one("#header")._parts[1].plain
        await until(pilot, lambda: not app.incident.session.pending, "the retry (every 2 s)")
        assert [n.text for n in kinds(session, "note.added")] == ["typed while the disk was full"]
        assert "Saved" in told


async def test_a_recovered_torn_entry_is_told_on_screen(make_session, config, clock):
    session = make_session(config=config)
    session.close()
    with session.path.open("a") as handle:
        handle.write('\n[[events]]\nat = 2026-11-27T04:11:00.000Z\nby = "bob"\nkind = "note.added"\ntext = "cut')
    reopened = Session.open(session.path)
    from cockpit.ui.app import CockpitApp

    app = CockpitApp(reopened, config=config, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("Recovered a torn last event" in m and "saved to" in m for m in messages), messages
