"""Retrospective benchmark: a 20,000-event session, reported, opened in replay and scrubbed.

Prints, beside the raw ``tomllib`` parse of the same file (the reference, as a ratio):
- the report: open the session, fold, compute, write the Markdown (what `cockpit report` does);
- the replay open: the session and the cursor's checkpoints (headless), then the replay screen
  mounted in a headless Textual app with every pane drawn;
- seeks: 300 random seeks of the cursor (median, p99), and the same on the screen, where each seek
  also hands the state to every pane.
Goals: report < 2 s, replay open < 2 s, any seek < 100 ms.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.domain.clock import ManualClock  # noqa: E402
from cockpit.retro.markdown import render_markdown  # noqa: E402
from cockpit.retro.replay import ReplayCursor  # noqa: E402
from cockpit.retro.report import report_for_session  # noqa: E402
from cockpit.session import Session, new_incident  # noqa: E402
from cockpit.settings import Config, load_protocol  # noqa: E402
from cockpit.tomlfmt import PARSER, event_block  # noqa: E402

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
EVENTS = 20_000
ENDPOINTS = [f"svc-{n}" for n in range(12)]


def make_session(path: Path, count: int) -> None:
    """A long incident: health summaries and changes dominate; people, roles and updates between."""
    session = new_incident(config=Config(), protocol=load_protocol("major-incident"), title="long outage",
                           severity="SEV2", path=path, clock=ManualClock(T0))
    session.close()
    rng = random.Random(7)
    states = {name: "up" for name in ENDPOINTS}
    blocks = []
    at = T0
    for seq in range(4, count + 1):
        at += timedelta(milliseconds=rng.randint(200, 1500))
        roll = seq % 20
        if roll < 8:
            record = {"kind": "health.summary", "by": "health", "endpoints": {
                name: {"p50_ms": round(rng.uniform(5, 900), 1), "p95_ms": 950.0, "ok_ratio": 0.9,
                       "state": states[name]} for name in ENDPOINTS}}
        elif roll < 11:
            name = rng.choice(ENDPOINTS)
            new = rng.choice([s for s in ("up", "degraded", "down") if s != states[name]])
            record = {"kind": "health.changed", "by": "health", "endpoint": name, "from": states[name],
                      "to": new, "detail": "812 ms over 300 ms"}
            states[name] = new
        elif roll < 15:
            record = {"kind": "note.added", "by": "bob", "text": f"checked shard {seq}",
                      "tag": rng.choice(["note", "note", "decision", "action", "hypothesis"])}
        elif roll == 15:
            record = {"kind": "role.assigned", "by": "alice", "role": rng.choice(["commander", "ops", "comms"]),
                      "handle": rng.choice(["alice", "bob", "carol", "dan"])}
        elif roll == 16:
            record = {"kind": "severity.changed", "by": "alice", "severity": rng.choice(["SEV1", "SEV2", "SEV3"]),
                      "reason": "re-assessed"}
        elif roll == 17:
            record = {"kind": "update.posted", "by": "carol", "text": "still working on it",
                      "audience": rng.choice(["internal", "external"])}
        elif roll == 18:
            record = {"kind": "member.status", "by": "carol", "handle": rng.choice(["bob", "carol"]),
                      "status": rng.choice(["engaged", "resting"])}
        else:
            record = {"kind": "step.done", "by": "alice", "step": "time-callout"}
        blocks.append(event_block({"at": at, **record, "seq": seq}))
    blocks.append(event_block({"at": at + timedelta(seconds=1), "by": "alice", "kind": "status.changed",
                               "status": "resolved", "seq": count + 1}))
    with path.open("ab") as handle:
        handle.write(b"".join(blocks))


def median_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(path: Path) -> str:
    session = Session.open(path, read_only=True)
    return render_markdown(report_for_session(session))


def open_cursor(path: Path) -> ReplayCursor:
    return ReplayCursor(Session.open(path, read_only=True).events)


def seek_times(cursor: ReplayCursor, moments: list[datetime], seek) -> list[float]:
    times = []
    for moment in moments:
        start = time.perf_counter()
        seek(moment)
        times.append(time.perf_counter() - start)
    return times


async def screen_figures(path: Path, moments: list[datetime]) -> tuple[float, list[float]]:
    """Seconds until the replay screen is up with every pane drawn; then seeks on the screen."""
    from cockpit.ui.replay import ReplayApp, ReplayScreen

    start = time.perf_counter()
    app = ReplayApp(Session.open(path, clock=ManualClock(T0), handle="bench"))
    async with app.run_test(size=(160, 48)) as pilot:
        while not isinstance(app.screen, ReplayScreen):
            await pilot.pause()
        await pilot.pause()
        opened = time.perf_counter() - start
        screen = app.screen

        def seek(moment: datetime) -> None:
            screen.cursor.seek(moment)
            screen.show_cursor()

        seeks = seek_times(screen.cursor, moments, seek)
    return opened, seeks


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        path = Path(tmp) / "long.toml"
        make_session(path, EVENTS)
        size_mb = path.stat().st_size / 1e6
        raw = median_of(lambda: tomllib.loads(path.read_text()), runs=5)
        report_s = median_of(lambda: report(path))
        open_s = median_of(lambda: open_cursor(path))
        cursor = open_cursor(path)
        rng = random.Random(11)
        span = (cursor.end - cursor.start).total_seconds()
        moments = [cursor.start + timedelta(seconds=rng.uniform(0, span)) for _ in range(300)]
        seeks = seek_times(cursor, moments, cursor.seek)
        screen_open, screen_seeks = asyncio.run(screen_figures(path, moments[:100]))

        def ratio(seconds: float) -> str:
            return f"ratio {seconds / raw:5.2f}x"

        print(f"{len(cursor):,}-event session ({size_mb:.1f} MB, journal parser {PARSER}), medians:")
        print(f"  raw tomllib parse                  {raw * 1000:8.0f} ms  (reference)")
        print(f"  report (open + fold + Markdown)    {report_s * 1000:8.0f} ms  {ratio(report_s)}  (goal < 2000 ms)")
        print(f"  replay open, headless (cursor)     {open_s * 1000:8.0f} ms  {ratio(open_s)}  (goal < 2000 ms)")
        print(f"  replay open, screen drawn          {screen_open * 1000:8.0f} ms  {ratio(screen_open)}"
              "  (goal < 2000 ms)")
        for label, values in (("seek, cursor", seeks), ("seek, screen (all panes)", screen_seeks)):
            p50, p99, worst = percentile(values, 0.5), percentile(values, 0.99), max(values)
            print(f"  {label:<26} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms  max {worst * 1000:6.2f} ms"
                  f"  {ratio(p99)} (p99)  (goal < 100 ms)")


if __name__ == "__main__":
    main()
