"""Retrospective benchmark: a 20,000-event session, reported, opened in replay and scrubbed.

Prints, beside the raw ``tomllib`` parse of the same file (the reference, as a ratio):
- the report: read the session, fold, compute, write the Markdown (what `cockpit report` does);
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
from cockpit.retro.replay import ReplayCursor, SavedSession  # noqa: E402
from cockpit.retro.report import report_for_session  # noqa: E402
from cockpit.session import new_incident  # noqa: E402
from cockpit.settings import Config, load_protocol  # noqa: E402
from cockpit.tomlfmt import PARSER, event_block  # noqa: E402

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
EVENTS = 20_000
ENDPOINTS = [f"svc-{n}" for n in range(8)]


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


def median_of(fn, runs: int = 3) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``fn`` (CPU time is what a loaded machine distorts least)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(path: Path) -> str:
    """What `cockpit report` does: read the file once, fold, compute, write Markdown."""
    return render_markdown(report_for_session(SavedSession.read(path)))


def open_cursor(path: Path) -> ReplayCursor:
    """What `cockpit replay` does before drawing: read the file once and fold it with checkpoints."""
    return ReplayCursor(SavedSession.read(path).events)


def seek_times(cursor: ReplayCursor, moments: list[datetime], seek) -> list[float]:
    times = []
    for moment in moments:
        start = time.perf_counter()
        seek(moment)
        times.append(time.perf_counter() - start)
    return times


async def screen_figures(path: Path, moments: list[datetime]) -> tuple[tuple[float, float], list[float]]:
    """(wall, CPU) seconds until the replay screen is up with every pane drawn; then seeks on it."""
    from cockpit.ui.replay import ReplayApp, ReplayScreen

    wall, cpu = time.perf_counter(), time.process_time()
    app = ReplayApp(SavedSession.read(path, clock=ManualClock(T0), handle="bench"))
    async with app.run_test(size=(160, 48)) as pilot:
        while not isinstance(app.screen, ReplayScreen):
            await pilot.pause()
        await pilot.pause()
        opened = time.perf_counter() - wall, time.process_time() - cpu
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

        def line(label: str, figures: tuple[float, float], goal: str) -> str:
            wall, cpu = figures
            return (f"  {label:<34} {wall * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms CPU"
                    f"  ratio {wall / raw[0]:5.2f}x wall {cpu / raw[1]:5.2f}x CPU  {goal}")

        print(f"{len(cursor):,}-event session ({size_mb:.1f} MB, journal parser {PARSER}), medians:")
        print(line("raw tomllib parse", raw, "(reference)"))
        print(line("report (read + fold + Markdown)", report_s, "(goal < 2000 ms)"))
        print(line("replay open, headless (cursor)", open_s, "(goal < 2000 ms)"))
        print(line("replay open, screen drawn", screen_open, "(goal < 2000 ms)"))
        for label, values in (("seek, cursor", seeks), ("seek, screen (all panes)", screen_seeks)):
            p50, p99, worst = percentile(values, 0.5), percentile(values, 0.99), max(values)
            print(f"  {label:<34} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms  max {worst * 1000:6.2f} ms"
                  f"  p99 ratio {p99 / raw[0]:.3f}x  (goal < 100 ms)")


if __name__ == "__main__":
    main()
