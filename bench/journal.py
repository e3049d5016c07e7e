"""Journal benchmark: append latency with fsync, and loading a 50,000-event session.

Prints the append latency (p50/p99, each append one write + fsync under flock) and the time to
load a 50,000-event session beside the raw ``tomllib`` parse of the same file, as a ratio.
Goals: append p99 under 5 ms; load at most 1.3x the raw tomllib parse.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.domain import events as ev  # noqa: E402
from cockpit.domain.clock import ManualClock  # noqa: E402
from cockpit.journal import Journal  # noqa: E402
from cockpit.session import Session, new_incident  # noqa: E402
from cockpit.settings import Config, load_protocol  # noqa: E402
from cockpit.tomlfmt import PARSER, event_block  # noqa: E402

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_append(folder: Path, count: int = 500) -> list[float]:
    session = new_incident(config=Config(), protocol=load_protocol("major-incident"), title="bench",
                           severity="SEV2", path=folder / "append.toml", clock=ManualClock(T0))
    timings = []
    for i in range(count):
        start = time.perf_counter()
        session.record(ev.NoteAdded(text=f"note {i}: checked the replica lag again", tag="note"))
        timings.append(time.perf_counter() - start)
    return timings


def make_big_session(path: Path, count: int) -> None:
    """A realistic mix: health changes and summaries dominate, people write the rest."""
    session = new_incident(config=Config(), protocol=load_protocol("major-incident"), title="big",
                           severity="SEV2", path=path, clock=ManualClock(T0))
    session.close()
    blocks = []
    at = T0
    for seq in range(4, count + 1):
        at += timedelta(milliseconds=700)
        kind = seq % 5
        if kind == 0:
            record = {"at": at, "by": "health", "kind": "health.changed", "endpoint": f"svc-{seq % 40}",
                      "from": "up", "to": "degraded", "detail": "812 ms over 300 ms"}
        elif kind == 1:
            record = {"at": at, "by": "health", "kind": "health.summary",
                      "endpoints": {f"svc-{n}": {"p50_ms": 12.5, "p95_ms": 80.1, "ok_ratio": 1.0,
                                                 "state": "up"} for n in range(3)}}
        elif kind == 2:
            record = {"at": at, "by": "bob", "kind": "note.added", "text": f"checked shard {seq}",
                      "tag": "note"}
        elif kind == 3:
            record = {"at": at, "by": "alice", "kind": "step.done", "step": "time-callout"}
        else:
            record = {"at": at, "by": "carol", "kind": "member.status", "handle": "bob",
                      "status": "engaged" if seq % 2 else "resting"}
        blocks.append(event_block({**record, "seq": seq}))
    with path.open("ab") as handle:
        handle.write(b"".join(blocks))


def best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        appends = bench_append(folder)
        print(f"append (write + fsync under flock), {len(appends)} appends: "
              f"p50 {percentile(appends, 0.5) * 1000:.2f} ms, p99 {percentile(appends, 0.99) * 1000:.2f} ms"
              f"  (goal: p99 < 5 ms)")
        big = folder / "big.toml"
        make_big_session(big, 50_000)
        size_mb = big.stat().st_size / 1e6
        raw_tomllib = best_of(lambda: tomllib.loads(big.read_text()))
        journal_load = best_of(lambda: Journal(big).load())
        session_open = best_of(lambda: Session.open(big, read_only=True), runs=3)
        print(f"50,000-event session ({size_mb:.1f} MB), medians:")
        print(f"  raw tomllib parse      {raw_tomllib * 1000:8.0f} ms  (reference)")
        print(f"  Journal.load ({PARSER:7}) {journal_load * 1000:8.0f} ms  "
              f"ratio {journal_load / raw_tomllib:.2f}x  (goal: <= 1.3x)")
        print(f"  Session.open (typed events + fold) {session_open * 1000:8.0f} ms  "
              f"ratio {session_open / raw_tomllib:.2f}x")


if __name__ == "__main__":
    main()
