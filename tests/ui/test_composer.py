"""The status update composer: drafted from the state, recorded first, copied, then delivered.

Behaviour runs in the real CockpitApp against a real webhook server on 127.0.0.1. The snapshots
use a bare host app with the same attributes, so they show this screen and nothing that other
panes or reminders would draw behind or over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiohttp import web
from textual.app import App
from textual.widgets import Input, RadioButton, RadioSet, Static, TextArea

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.session import Session
from cockpit.settings import Config, UpdateSettings
from cockpit.ui.app import CockpitApp
from cockpit.ui.composer import UpdateComposer
from cockpit.ui.themes import register_themes

SIZE = (100, 36)
FIRST_UPDATE = "We are investigating checkout errors."


@dataclass
class Webhook:
    url: str = ""
    received: list[dict] = field(default_factory=list)
    status: int = 200
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def webhook():
    hook = Webhook()

    async def receive(request: web.Request) -> web.Response:
        hook.received.append(await request.json())
        hook.arrived.set()
        return web.Response(status=hook.status, text="ok" if hook.status == 200 else "[b]no_service")

    app = web.Application()
    app.router.add_post("/services/T1/B2/s3cr3t", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/services/T1/B2/s3cr3t"
    yield hook
    await runner.cleanup()


@pytest.fixture
def incident(make_session, clock):
    """Twelve minutes in: a commander, the first external update, a down endpoint, a decision.

    The internal update (due at 04:25) is the next one the protocol asks for.
    """
    session = make_session()
    clock.advance(minutes=2)
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    session.record(ev.UpdatePosted(text=FIRST_UPDATE, audience="external",
                                   next_update_at=clock.now() + timedelta(minutes=20)))
    session.record(ev.ImpactAssessed(field="services", value="checkout"))
    session.record(ev.HealthChanged(endpoint="payments-api", **{"from": "up"}, to="down",
                                    detail="timeout after 2.0s"))
    clock.advance(minutes=10)
    session.record(ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision", by="bob"))
    return session


def with_webhook(url: str | None) -> Config:
    return Config(updates=UpdateSettings(webhook=url))


def composer(app: App) -> UpdateComposer:
    assert isinstance(app.screen, UpdateComposer), f"the composer is not open: {app.screen!r}"
    return app.screen


def status_text(app: App) -> str:
    return str(composer(app).query_one("#composer-status", Static).render())


def updates_on_disk(session: Session) -> list[ev.UpdatePosted]:
    """The updates in the session file, re-read from disk, besides the fixture's first one."""
    reopened = Session.open(session.path, read_only=True)
    return [e for e in reopened.events if isinstance(e, ev.UpdatePosted) and e.text != FIRST_UPDATE]


async def test_u_opens_a_draft_from_the_state(incident):
    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        text = composer(app).query_one(TextArea).text
        assert text.startswith("Checkout API returning 500s · internal update")
        assert "- Endpoints down: payments-api (timeout after 2.0s)" in text
        assert "- 04:22 decision: roll back deploy 2026.11.27-3 (bob)" in text
        assert "- alice: Incident Commander" in text
        assert text.endswith("Next update by 04:52 UTC.")  # internal cadence: 30 minutes
        assert composer(app).query_one("#composer-minutes", Input).value == "30"


async def test_send_records_first_copies_and_posts_json(incident, webhook, clock):
    app = CockpitApp(incident, config=with_webhook(webhook.url))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        area = composer(app).query_one(TextArea)
        area.load_text("SEV2 checkout: rolling back deploy 3. Next update 04:52 UTC.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)  # closed at once: delivery is the seat's
        assert app.clipboard == "SEV2 checkout: rolling back deploy 3. Next update 04:52 UTC."
        await asyncio.wait_for(webhook.arrived.wait(), 5)
        await app.screen.seat.deliveries.settled()
        assert any("delivering to webhook" in n.message for n in app._notifications)
    assert webhook.received == [{"text": "SEV2 checkout: rolling back deploy 3. Next update 04:52 UTC."}]
    [update] = updates_on_disk(incident)
    assert update.text == "SEV2 checkout: rolling back deploy 3. Next update 04:52 UTC."
    assert update.audience == "internal"
    assert update.next_update_at == clock.now() + timedelta(minutes=30)
    [delivered] = [e for e in Session.open(incident.path, read_only=True).events
                   if isinstance(e, ev.UpdateDelivered)]
    assert (delivered.update, delivered.destination, delivered.ok) == (update.seq, "webhook", True)


async def test_opens_on_the_audience_the_protocol_asks_for_first(make_session, clock):
    session = make_session()  # the first external update is due at 5 minutes, internal at 15
    clock.advance(minutes=1)
    app = CockpitApp(session, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = composer(app)
        assert screen.query_one(RadioSet).pressed_button.name == "external"
        assert screen.query_one("#composer-minutes", Input).value == "20"
        assert "We are investigating the cause." in screen.query_one(TextArea).text
        shapes = [str(button.render()).split()[0] for button in screen.query(RadioButton)]
        assert shapes == ["▐○▌", "▐●▌"]  # the choice reads by shape, not by colour alone


async def test_external_audience_redrafts_with_its_cadence(incident):
    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = composer(app)
        screen.query_one(RadioSet).focus()
        await pilot.press("right", "enter")
        await pilot.pause()
        text = screen.query_one(TextArea).text
        assert screen.query_one("#composer-minutes", Input).value == "20"
        assert "We are investigating the cause." in text and "bob" not in text
        assert text.endswith("Next update by 04:42 UTC.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [update] = updates_on_disk(incident)
    assert update.audience == "external"


async def test_edited_text_survives_an_audience_change(incident):
    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = composer(app)
        screen.query_one(TextArea).load_text("my own words")
        screen.query_one(RadioSet).focus()
        await pilot.press("right", "enter")
        await pilot.pause()
        assert screen.query_one(TextArea).text == "my own words"


async def test_failed_delivery_is_a_notice_and_the_update_stays_recorded(incident, webhook):
    webhook.status = 404  # Slack's no_service: no retry can change it
    app = CockpitApp(incident, config=with_webhook(webhook.url))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "ctrl+s")
        await asyncio.wait_for(webhook.arrived.wait(), 5)
        await app.screen.seat.deliveries.settled()
        await pilot.pause()
        [failed] = [n for n in app._notifications if n.title == "Update not delivered"]
        assert "HTTP 404 from 127.0.0.1:" in failed.message and "[b]no_service" in failed.message
        assert not failed.markup and failed.severity == "error"  # shown literally
        assert "s3cr3t" not in failed.message
    assert len(webhook.received) == 1
    assert len(updates_on_disk(incident)) == 1  # recorded before the post was tried


async def test_refused_connection_keeps_the_update(incident):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    app = CockpitApp(incident, config=with_webhook(closed))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)
        deliveries = app.screen.seat.deliveries
        deliveries.backoff = (0.01,)
        await deliveries.settled()
        await pilot.pause()
        assert any("cannot connect to 127.0.0.1:" in n.message and "Trying again" in n.message
                   for n in app._notifications)
        assert any(n.title == "Update not delivered" for n in app._notifications)
    assert len(updates_on_disk(incident)) == 1


async def test_webhook_secret_missing_from_environment_is_explained(incident, monkeypatch):
    monkeypatch.delenv("COCKPIT_WEBHOOK", raising=False)
    app = CockpitApp(incident, config=with_webhook("env:COCKPIT_WEBHOOK"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "ctrl+s")
        await pilot.pause()
        await app.screen.seat.deliveries.settled()
        await pilot.pause()
        assert any("$COCKPIT_WEBHOOK is empty or not set" in n.message for n in app._notifications)
    [update] = updates_on_disk(incident)
    assert "COCKPIT_WEBHOOK" not in str(update.to_record())


async def test_read_only_seat_records_nothing(incident):
    observer = Session.open(incident.path, clock=incident.clock, handle="bob", read_only=True)
    app = CockpitApp(observer, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)  # refused before anything is typed
        assert any("read-only" in n.message for n in app._notifications)
        assert app.clipboard == ""
    assert updates_on_disk(incident) == []




async def test_update_sent_on_a_full_disk_is_copied_and_saved_once_there_is_room(
        make_session, small_disk):
    session = make_session(path=small_disk / "incident.toml")
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 4096)
    with contextlib.suppress(JournalWriteError):  # use up the slack in the file's last page
        while True:
            session.record(ev.NoteAdded(text="filling the disk " * 8))
    app = CockpitApp(session, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        composer(app).query_one(TextArea).load_text("Rolling back; next update 04:40 UTC.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)
        assert app.clipboard == "Rolling back; next update 04:40 UTC."
        assert [e.text for e in session.pending if isinstance(e, ev.UpdatePosted)] == [app.clipboard]
        filler.unlink()
        await app.incident.seat.settled()  # the seat retries until it is written
    [update] = updates_on_disk(session)
    assert update.text == "Rolling back; next update 04:40 UTC."


async def test_empty_update_is_refused_with_a_reason(incident):
    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        composer(app).query_one(TextArea).load_text("   ")
        await pilot.press("ctrl+s")
        assert status_text(app) == "Nothing to send: the update is empty."
    assert updates_on_disk(incident) == []


# -- how it looks ---------------------------------------------------------------------------


class Host(App[None]):
    """The composer on its own, in a chosen theme."""

    def __init__(self, session: Session, config: Config, theme: str) -> None:
        super().__init__()
        self.session, self.config = session, config
        self.chosen_theme = theme

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = self.chosen_theme
        self.push_screen(UpdateComposer(self.session, self.config, self.session.record))


@pytest.mark.parametrize(("theme", "size"), [
    ("calm", (80, 24)), ("colour-blind-safe", (80, 24)), ("calm", (160, 48)),
], ids=["calm-80x24", "colour-blind-safe-80x24", "calm-160x48"])
def test_composer_snapshot(snap_compare, incident, theme, size):
    assert snap_compare(Host(incident, Config(), theme), terminal_size=size)


async def test_closing_an_edited_update_asks_before_discarding_it(incident):
    from cockpit.ui.prompts import ConfirmPrompt

    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = composer(app)
        screen.query_one(TextArea).load_text("Payments recovered after the rollback.")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmPrompt)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and "rollback" in screen.query_one(TextArea).text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)
    assert updates_on_disk(incident) == []


async def test_an_untouched_draft_closes_at_once(incident):
    app = CockpitApp(incident, config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, UpdateComposer)
