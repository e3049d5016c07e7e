"""``python -m cockpit.ui.screenshots DIR`` (``make screenshots``): SVGs of the real screens.

A realistic incident 42 minutes in, recorded with a frozen clock into a temporary session file,
then shown by the real ``CockpitApp``: the main screen at 160×48 and 80×24, calm mode, the update
composer, and the main screen once in each bundled theme. The same demo incident backs the
snapshot tests, so what the README shows is what the tests check.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.session import Session, new_incident
from cockpit.settings import Config, EndpointConfig, load_config, load_protocol

DEMO_START = datetime(2026, 11, 27, 4, 10, 0, tzinfo=timezone.utc)
DEMO_ENDPOINTS = (
    ("payments-api", "payments"), ("checkout-api", "checkout"), ("auth", "auth"),
    ("catalog", "catalog"), ("search", "search"), ("orders-db", "orders"),
)


def demo_config() -> Config:
    config = load_config()
    endpoints = tuple(EndpointConfig(name=name, url=f"http://127.0.0.1:9/{name}", service=service)
                      for name, service in DEMO_ENDPOINTS)
    return config.model_copy(update={"endpoints": endpoints})


def demo_session(path: Path, clock: ManualClock | None = None) -> tuple[Session, Config, ManualClock]:
    """The checkout outage, 42 minutes in: what a lead would have on screen at 04:52."""
    clock = clock or ManualClock(DEMO_START)
    config = demo_config()
    session = new_incident(config=config, protocol=load_protocol("major-incident", config),
                           title="Checkout API returning 500s", severity="SEV2", path=path,
                           clock=clock, handle="alice")

    def at(minutes: float, *events: ev.Event, by: str | None = None) -> None:
        clock.set(DEMO_START + _minutes(minutes))
        for event in events:
            session.record(event.model_copy(update={"by": by}) if by else event)

    for index, (name, _) in enumerate(DEMO_ENDPOINTS):
        at(0.2 + index * 0.01, ev.HealthChanged(endpoint=name, from_="unknown", to="up"), by="health")
    at(1, ev.RoleAssigned(role="commander", handle="alice"))
    at(2, ev.MemberJoined(handle="bob", status="engaged"), ev.RoleAssigned(role="ops", handle="bob"))
    at(3, ev.MemberJoined(handle="carol", status="paged"), ev.StepDone(step="open-bridge"))
    at(4, ev.ImpactAssessed(field="customer_facing", value="yes"),
       ev.ImpactAssessed(field="users_affected", value="some"),
       ev.ImpactAssessed(field="functionality", value="partial"),
       ev.ImpactAssessed(field="data", value="none"))
    at(5, ev.UpdatePosted(text="We are investigating failed checkouts.", audience="external"),
       ev.NoteAdded(text="Checkout error rate at 18% since 04:05, EU and US"))
    at(7, ev.StepDone(step="stop-changes"), by="bob")
    at(8, ev.RoleAssigned(role="comms", handle="carol"))  # the size-up closed itself at 4
    at(10, ev.StepDone(step="time-callout"))
    at(12, ev.NoteAdded(text="payments client deploy 2026.11.27-3 went out at 04:03",
                        tag="hypothesis"), by="bob")
    at(14, ev.UpdatePosted(text="Checkout failing for some users; rollback being prepared.",
                           audience="internal"), ev.StepDone(step="assign-roles"))
    at(20, ev.StepDone(step="time-callout"))
    at(21, ev.HealthChanged(endpoint="payments-api", from_="up", to="down",
                            detail="timeout after 2.0s"), by="health")
    at(25, ev.UpdatePosted(text="Payments timing out; we are rolling back the 04:03 deploy.",
                           audience="external"), by="carol")
    at(28, ev.HealthChanged(endpoint="checkout-api", from_="up", to="degraded",
                            detail="812 ms > 300 ms"), by="health")
    at(30, ev.ImpactAssessed(field="services", value="checkout, payments"),
       ev.ImpactAssessed(field="regions", value="EU, US"), ev.StepDone(step="time-callout"))
    at(33, ev.NoteAdded(text="Roll back deploy 2026.11.27-3", tag="decision"))
    at(34, ev.AskStarted(handle="bob", task="check replica lag on orders-db", minutes=10))
    at(36, ev.MemberJoined(handle="dan", status="engaged"),
       ev.RoleAssigned(role="scribe", handle="dan"))
    at(38, ev.NoteAdded(text="Add an alert on payments client timeouts", tag="action"), by="dan")
    at(40, ev.HealthChanged(endpoint="search", from_="up", to="degraded",
                            detail="[BODY].status == degraded"), by="health")
    for minute in range(1, 43, 3):
        clock.set(DEMO_START + _minutes(minute))
        session.record(ev.HealthSummary(by="health", endpoints={
            name: ev.EndpointWindow(p50_ms=_latency(name, minute), p95_ms=None, ok_ratio=1.0,
                                    state=session.state.endpoints[name].state)
            for name, _ in DEMO_ENDPOINTS}))
    clock.set(DEMO_START + _minutes(42, seconds=13))
    return session, config, clock


def _minutes(minutes: float, seconds: float = 0) -> timedelta:
    return timedelta(minutes=minutes, seconds=seconds)


def _latency(name: str, minute: int) -> float | None:
    """Believable latencies: steady, except payments timing out and checkout slowing down."""
    base = 20 + (sum(map(ord, name)) % 40)
    if name == "payments-api" and minute >= 21:
        return None
    if name == "checkout-api" and minute >= 18:
        return base + (minute - 18) * 35
    return base + (minute * 7 + len(name)) % 9


Shot = tuple[str, tuple[int, int], str | None, Callable[..., Awaitable[None]] | None]


async def _press(pilot, *keys: str) -> None:  # noqa: ANN001 - a Textual Pilot
    await pilot.press(*keys)
    await pilot.pause()


SHOTS: tuple[Shot, ...] = (
    ("main-160x48", (160, 48), None, None),
    ("main-80x24", (80, 24), None, None),
    ("main-80x24-health", (80, 24), None, lambda pilot: _press(pilot, "5")),
    ("calm-mode", (160, 48), None, lambda pilot: _press(pilot, "c")),
    ("composer", (160, 48), None, lambda pilot: _press(pilot, "u")),
    ("entry-bar", (160, 48), None, lambda pilot: _press(
        pilot, "d", *"roll back payments-api to 4.2", "ctrl+j", *"then watch the card error rate")),
)
THEMES = ("calm", "high-contrast", "colour-blind-safe")


async def export(folder: Path) -> list[Path]:
    """Write every screenshot into ``folder``; returns the files written."""
    from cockpit.ui.app import CockpitApp

    folder.mkdir(parents=True, exist_ok=True)
    shots = list(SHOTS) + [(f"theme-{name}", (160, 48), name, None) for name in THEMES]
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, size, theme, before in shots:
            session, config, clock = demo_session(Path(scratch) / f"{name}.toml")
            app = CockpitApp(session, config=config, clock=clock)
            async with app.run_test(size=size) as pilot:
                if theme is not None:
                    if theme not in app.available_themes:
                        print(f"skipped {name}: theme {theme!r} is not usable", file=sys.stderr)
                        continue
                    app.theme = theme
                await pilot.pause()
                if before is not None:
                    await before(pilot)
                await pilot.pause()
                target = folder / f"{name}.svg"
                target.write_text(app.export_screenshot(title=f"Cockpit · {name}"), encoding="utf-8")
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cockpit.ui.screenshots DIR", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as user_config:
        # What a new user sees: the bundled config and themes, and no theme remembered from an
        # earlier choice (the theme shots below would otherwise leave theirs for the next run).
        os.environ["XDG_CONFIG_HOME"] = user_config
        os.environ.pop("COCKPIT_CONFIG", None)
        for path in asyncio.run(export(Path(args[0]))):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
