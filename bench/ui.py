"""How fast the cockpit screen is, each figure beside a reference measured in the same run.

1. Time to first frame: ``cockpit open`` on a 42-minute demo incident vs a minimal Textual app
   (one Static), each in a fresh process, from the first line of the script (imports included)
   to the first frame painted. Goal: ≤ 1.5× the minimal app. The cockpit's first frame is its
   layout in its theme (``cockpit.ui.opening``); the time until the incident fills it is
   printed beside it.
2. Key press to frame while 200 endpoints are polled every second from a real HTTP server on
   127.0.0.1: p50 and p99 over 300 presses moving the cursor, vs the same presses in a minimal
   app with an OptionList and nothing polling. Goal: p99 < 50 ms. Measured inside the app: key
   events posted to a headless app, timed to the frame it hands to its driver. What an SSH
   user's terminal receives (the real ``cockpit open`` in a pseudo-terminal, bytes timestamped
   as they arrive) is bench/terminal.py.
3. The timeline with 10,000 events: first render, one more event appended, a jump to the top,
   vs Textual's own ``Log`` widget given the same 10,000 lines.
4. Key press to frame while a destination of status updates hangs (a loopback server that
   accepts the connection and never answers; the seat is delivering an update to it, sent again
   on opening), vs the same incident with no destination: p50 and p99 over 300 presses. Goal:
   the same p99.

Run: ``.venv/bin/python bench/ui.py`` (``make bench`` runs every bench script).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 9

FIRST_FRAME = textwrap.dedent('''
    import time
    START = time.perf_counter()
    import sys
    from pathlib import Path
    kind, scratch = sys.argv[1], Path(sys.argv[2])
    if kind == "core":  # what every cockpit command pays before any screen: the event models
        import cockpit.session, cockpit.settings
        print(f"{(time.perf_counter() - START) * 1000:.1f}")
        raise SystemExit(0)
    if kind == "minimal":
        from textual.app import App
        from textual.widgets import Static

        class Minimal(App):
            def compose(self):
                yield Static("hello")

        app = Minimal()
    else:  # ``cockpit open demo.toml --as alice``, as the command line builds it
        from cockpit.cli import build_parser
        from cockpit.ui.launch import open_app

        app = open_app(build_parser().parse_args(["open", str(scratch / "demo.toml"), "--as", "alice"]))

    painted = {}
    display = app._display

    def display_and_note(screen, renderable):
        if renderable is not None and not app._batch_count:
            painted.setdefault("first", time.perf_counter())
            if screen is getattr(app, "incident", screen):
                painted.setdefault("incident", time.perf_counter())
        display(screen, renderable)

    app._display = display_and_note

    async def until_incident(pilot):
        while "incident" not in painted:
            await pilot.pause()
        pilot.app.exit()

    app.run(headless=True, size=(160, 48), auto_pilot=until_incident)
    print(" ".join(f"{(painted[k] - START) * 1000:.1f}" for k in ("first", "incident")))
''')


def first_frames(kinds: tuple[str, ...]) -> dict[str, list[tuple[float, ...]]]:
    """In fresh processes, the kinds taking turns so that the shared machine's noise falls on
    each alike; the cockpit opens a saved 42-minute incident, as ``cockpit open`` does.

    Each run gives the first frame painted and the first frame with the incident in it (the
    same for the minimal app, which has nothing more to show)."""
    from cockpit.ui.screenshots import demo_session

    times: dict[str, list[tuple[float, ...]]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as scratch:
        pristine = Path(scratch) / "pristine.toml"
        demo_session(pristine)[0].close()
        for _ in range(RUNS):
            for kind in kinds:
                shutil.copy(pristine, Path(scratch) / "demo.toml")  # as saved: no earlier seats
                out = subprocess.run([sys.executable, "-c", FIRST_FRAME, kind, scratch],
                                     cwd=scratch, capture_output=True, text=True, check=True)
                times[kind].append(tuple(float(v) for v in out.stdout.strip().splitlines()[-1].split()))
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# -- key press to frame under polling ------------------------------------------------------------


async def serve_fleet(count: int):
    """An aiohttp server answering 200 health paths on one loopback port."""
    from aiohttp import web

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health/{name}", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


async def presses(app, keys: list[str], focus: str) -> list[float]:  # noqa: ANN001
    """Milliseconds from each key event to the next frame the app paints (``App._display``)."""
    from textual import events

    latencies = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        app.query_one(focus).focus()
        await pilot.pause()
        painted = asyncio.Event()
        display = app._display

        def display_and_tell(screen, renderable):  # noqa: ANN001, ANN202
            display(screen, renderable)
            painted.set()

        app._display = display_and_tell
        for key in keys:
            await asyncio.sleep(0.02)  # presses at a typing pace, not a burst
            painted.clear()
            start = time.perf_counter()
            app.post_message(events.Key(key, None))
            await asyncio.wait_for(painted.wait(), timeout=10)
            latencies.append((time.perf_counter() - start) * 1000)
        app._display = display
        probes = getattr(getattr(getattr(app, "incident", None), "monitor", None), "probes_made", 0)
    return latencies if not probes else latencies + [-probes]


async def key_to_frame() -> tuple[list[float], list[float], int]:
    from textual.app import App
    from textual.widgets import OptionList

    from cockpit.health.monitor import Monitor
    from cockpit.settings import EndpointConfig
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.screenshots import demo_session

    runner, port = await serve_fleet(200)
    keys = ["down", "down", "up", "down", "up", "up"] * 50
    try:
        with tempfile.TemporaryDirectory() as scratch:
            session, config, clock = demo_session(Path(scratch) / "bench.toml")
            session.clock = clock
            endpoints = [EndpointConfig(name=f"svc-{i:03d}", url=f"http://127.0.0.1:{port}/health/{i}",
                                        interval="1s", timeout="1s") for i in range(200)]
            app = CockpitApp(session, config=config.model_copy(update={"endpoints": tuple(endpoints)}),
                             clock=clock, monitor_for=lambda record: Monitor(
                                 endpoints, record, summary_every=timedelta(seconds=5)))
            measured = await presses(app, keys, "#protocol RowList")
            probes = int(-measured.pop()) if measured and measured[-1] < 0 else 0

        class Minimal(App):
            def compose(self):
                yield OptionList(*[f"option {i}" for i in range(20)])

        reference = await presses(Minimal(), keys, "OptionList")
    finally:
        await runner.cleanup()
    return measured, reference, probes


# -- key press to frame while a destination hangs ----------------------------------------------


async def key_to_frame_hanging() -> tuple[list[float], list[float], int]:
    """(presses while a destination hangs, presses with no destination, connections held)."""
    from cockpit.domain import events as ev
    from cockpit.settings import UpdateSettings
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.screenshots import demo_session

    held: list[asyncio.StreamWriter] = []

    async def never_answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    keys = ["down", "down", "up", "down", "up", "up"] * 50
    hanging = UpdateSettings.model_validate({"destinations": [{
        "name": "hangs", "kind": "slack", "url": f"http://127.0.0.1:{port}/services/T/B/x",
        "timeout": "10m"}]})
    figures = []
    try:
        for updates in (hanging, UpdateSettings()):
            with tempfile.TemporaryDirectory() as scratch:
                session, config, clock = demo_session(Path(scratch) / "bench.toml")
                session.clock = clock
                update = session.record(ev.UpdatePosted(text="Rolling back.", audience="internal"))
                session.record(ev.UpdateDelivered(update=update.seq, destination="hangs", ok=False,
                                                  detail="HTTP 503 from 127.0.0.1"))
                app = CockpitApp(session, config=config.model_copy(update={"updates": updates}), clock=clock)
                figures.append(await presses(app, keys, "#protocol RowList"))
    finally:
        for writer in held:
            writer.close()
        server.close()
    return figures[0], figures[1], len(held)


# -- the timeline with 10,000 events -------------------------------------------------------------


def ten_thousand_events():
    from cockpit.domain import events as ev

    start = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
    out = []
    for seq in range(1, 10_001):
        at = start + timedelta(seconds=seq)
        if seq % 5 == 0:
            event = ev.HealthChanged(seq=seq, at=at, by="health", endpoint=f"svc-{seq % 40}",
                                     from_="up", to="down", detail="timeout after 2.0s")
        else:
            event = ev.NoteAdded(seq=seq, at=at, by="bob", text=f"checked shard {seq}: replica lag "
                                 "back under 5 s, error rate flat", tag="note")
        out.append(event)
    return out


async def timeline_render() -> dict[str, float]:
    from textual.app import App
    from textual.widgets import Log

    from cockpit.ui.panes.describe import describe
    from cockpit.ui.panes.timeline import TimelinePane

    events = ten_thousand_events()
    figures: dict[str, float] = {}

    class WithTimeline(App):
        def compose(self):
            yield TimelinePane(id="timeline")

    app = WithTimeline()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        pane = app.query_one(TimelinePane)
        shown = list(events)  # like session.events: one list that grows
        figures["first render"] = await until_painted(app, lambda: pane.show_events(shown))
        shown.append(events[-1].model_copy(update={"seq": 10_001}))
        figures["new event"] = await until_painted(app, lambda: pane.show_events(shown))
        pane.rows.focus()
        await pilot.pause()
        figures["jump to top"] = await until_painted(app, lambda: pane.rows.action_jump(0))

    class WithLog(App):
        def compose(self):
            yield Log()

    lines = [f"{e.at:%H:%M:%S}  {e.by:<8}  {describe(e)}" for e in events]
    app = WithLog()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        log = app.query_one(Log)
        figures["Log reference"] = await until_painted(app, lambda: log.write_lines(lines))
    return figures


async def until_painted(app, action) -> float:  # noqa: ANN001
    """Milliseconds from running ``action`` to the next frame the app paints."""
    painted = asyncio.Event()
    display = app._display

    def display_and_tell(screen, renderable):  # noqa: ANN001, ANN202
        display(screen, renderable)
        painted.set()

    app._display = display_and_tell
    start = time.perf_counter()
    action()
    await asyncio.wait_for(painted.wait(), timeout=30)
    elapsed = (time.perf_counter() - start) * 1000
    app._display = display
    return elapsed


def main() -> int:
    runs = first_frames(("minimal", "cockpit", "core"))
    minimal = statistics.median(run[0] for run in runs["minimal"])
    first = statistics.median(run[0] for run in runs["cockpit"])
    incident = statistics.median(run[1] for run in runs["cockpit"])
    core = statistics.median(run[0] for run in runs["core"])
    print(f"time to first frame (median of {RUNS}, 160x48, imports included): cockpit open "
          f"{first:.0f} ms, minimal Textual app {minimal:.0f} ms, ratio {first / minimal:.2f}x "
          f"(goal <= 1.5x)")
    print(f"time to the incident on screen (the 42-minute demo session read and folded): "
          f"{incident:.0f} ms, {incident / minimal:.2f}x the minimal app's first frame; importing "
          f"the core (session, settings, event models) alone takes {core:.0f} ms")

    measured, reference, probes = asyncio.run(key_to_frame())
    print(f"key press to frame, 200 endpoints polled at 1 s ({probes} probes during the run): "
          f"p50 {p(measured, .5):.1f} ms, p99 {p(measured, .99):.1f} ms; minimal app p50 "
          f"{p(reference, .5):.1f} ms, p99 {p(reference, .99):.1f} ms; p99 ratio "
          f"{p(measured, .99) / p(reference, .99):.2f}x (goal p99 < 50 ms)")

    hangs, idle, held = asyncio.run(key_to_frame_hanging())
    print(f"key press to frame while a destination hangs ({held} connection(s) held, never "
          f"answered): p50 {p(hangs, .5):.1f} ms, p99 {p(hangs, .99):.1f} ms; the same incident with "
          f"no destination p50 {p(idle, .5):.1f} ms, p99 {p(idle, .99):.1f} ms; p99 ratio "
          f"{p(hangs, .99) / p(idle, .99):.2f}x (goal: the same)")

    figures = asyncio.run(timeline_render())
    print(f"timeline with 10,000 events: first render {figures['first render']:.1f} ms, "
          f"one new event {figures['new event']:.1f} ms, jump to top {figures['jump to top']:.1f} ms;"
          f" Textual Log with the same lines {figures['Log reference']:.1f} ms, ratio "
          f"{figures['first render'] / figures['Log reference']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
