"""Journal benchmark: what the headless commands cost as a user runs them, beside references.

Each figure stands beside a reference taken in the same run, and every goal is checked (MISSED is
printed and the exit code is 1 when one fails):

- the bare append (lock + write + fsync) p50/p99; goal p99 < 5 ms;
- `cockpit log` (a real process) on a 1,000- and a 100,000-event session, beside the bare append
  and `cockpit --version` (the interpreter's start); goal: the 100k log within 2x the 1k one;
- `cockpit status`, 1,000 vs 100,000 events, warm (a checkpoint) and cold (none), beside the rtoml
  parse of the file (the parser the code uses); goals: warm 100k <= 2x the 1k one, cold <= 2x the
  parse; the same cold ratio in processor time, which others' work on a shared machine does not
  stretch the way it stretches wall time (said beside it, not a goal of its own); and the peak
  memory of a cold `status` on the 100k session;
- `cockpit sessions` over 200 saved sessions, warm; goal < 1 s.

Machines are noisy: every figure is the median of several runs.
"""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import rtoml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.domain import events as ev  # noqa: E402
from cockpit.domain.clock import ManualClock  # noqa: E402
from cockpit.session import new_incident  # noqa: E402
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
    return timed_of(fn, runs)[0]


def timed_of(fn, runs: int = 5, prepare=None) -> tuple[float, float]:
    """The median wall time of ``fn`` and the median processor time (user + system) it used, in
    this process and in the processes it waited for; ``prepare`` runs before each, untimed."""
    walls, processor = [], []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        before, start = _processor_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        processor.append(_processor_time() - before)
    return statistics.median(walls), statistics.median(processor)


def _processor_time() -> float:
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


COCKPIT = [sys.executable, "-m", "cockpit"]


def forget_checkpoints(cache: Path) -> None:
    """No checkpoint left for the next command: once the child writing one for the last command
    is done (it holds the session's lock file while it writes; ``cockpit.checkpoint.save``), the
    cache is removed. Removed sooner, the child would write it again, and a "cold" run be warm."""
    for lock in (cache / "cockpit" / "checkpoints").glob("*.lock"):
        with open(lock, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    shutil.rmtree(cache, ignore_errors=True)


def command(*args: str, env: dict[str, str]) -> float:
    """Seconds one real cockpit process takes, start to exit."""
    start = time.perf_counter()
    subprocess.run([*COCKPIT, *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_kb(*args: str, env: dict[str, str]) -> int | None:
    """The peak resident memory of one real cockpit process, in KB, as GNU time reports it (a
    child's own rusage would count this process's pages, inherited at the fork)."""
    if not Path("/usr/bin/time").exists():
        return None
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *COCKPIT, *args], env=env, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(done.stderr.strip().splitlines()[-1])


class Goals:
    def __init__(self) -> None:
        self.missed: list[str] = []

    def check(self, ok: bool, what: str) -> str:
        if not ok:
            self.missed.append(what)
        return "ok" if ok else "MISSED"


def main() -> int:
    goals = Goals()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache"),
               "XDG_DATA_HOME": str(folder / "data"), "COCKPIT_USER": "bench",
               "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        appends = bench_append(folder)
        p99 = percentile(appends, 0.99) * 1000
        print(f"bare append (write + fsync under flock), {len(appends)} appends: "
              f"p50 {percentile(appends, 0.5) * 1000:.2f} ms, p99 {p99:.2f} ms"
              f"  (goal p99 < 5 ms: {goals.check(p99 < 5, 'append p99')})")

        sizes = {1_000: folder / "s1k.toml", 100_000: folder / "s100k.toml"}
        for count, path in sizes.items():
            make_big_session(path, count)
        parse_timed = {n: timed_of(lambda p=p: rtoml.loads(p.read_text()), runs=5) for n, p in sizes.items()}
        parse = {n: wall for n, (wall, _) in parse_timed.items()}
        start_up, start_up_processor = timed_of(lambda: command("--version", env=env), runs=5)
        print(f"reference: python + `cockpit --version` {start_up * 1000:.0f} ms;"
              f" {PARSER} parse 1k {parse[1_000] * 1000:.0f} ms, 100k {parse[100_000] * 1000:.0f} ms"
              f" ({sizes[100_000].stat().st_size / 1e6:.1f} MB)")

        cold_timed = {n: timed_of(lambda p=p: command("status", str(p), env=env), runs=5,
                                  prepare=lambda: forget_checkpoints(folder / "cache"))
                      for n, p in sizes.items()}
        cold = {n: wall for n, (wall, _) in cold_timed.items()}
        memory = peak_kb("status", str(sizes[100_000]), env=env)  # warm now: compare below
        forget_checkpoints(folder / "cache")
        cold_memory = peak_kb("status", str(sizes[100_000]), env=env)
        warm = {n: best_of(lambda p=p: command("status", str(p), env=env), runs=5)
                for n, p in sizes.items()}
        print("`cockpit status` (a real process), medians:")
        for n in sizes:
            print(f"  {n:>7,} events  warm {warm[n] * 1000:6.0f} ms   cold {cold[n] * 1000:6.0f} ms")
        ratio = warm[100_000] / warm[1_000]
        print(f"  warm 100k / warm 1k = {ratio:.2f}x  (goal <= 2x: {goals.check(ratio <= 2, 'status warm')})")
        cold_ratio = (cold[100_000] - start_up) / parse[100_000]
        print(f"  cold 100k (less start-up) / {PARSER} parse = {cold_ratio:.2f}x"
              f"  (goal <= 2x: {goals.check(cold_ratio <= 2, 'status cold')})")
        cold_processor = cold_timed[100_000][1] - start_up_processor
        print("  in processor time (the command's own: the checkpoint is pickled and written by a child"
              " it leaves behind, not counted here):")
        print(f"    cold 100k less start-up {cold_processor * 1000:.0f} ms / {PARSER} parse"
              f" {parse_timed[100_000][1] * 1000:.0f} ms = {cold_processor / parse_timed[100_000][1]:.2f}x")
        if memory is not None and cold_memory is not None:
            print(f"  peak memory, 100k: cold {cold_memory / 1024:.0f} MB, warm {memory / 1024:.0f} MB")

        logs = {}
        for n, path in sizes.items():
            command("status", str(path), env=env)  # the checkpoint a seat's open leaves
            logs[n] = best_of(lambda p=path: command("log", str(p), "checked the replica lag", env=env))
        log_ratio = logs[100_000] / logs[1_000]
        print(f"`cockpit log`: 1k {logs[1_000] * 1000:.0f} ms, 100k {logs[100_000] * 1000:.0f} ms"
              f" = {log_ratio:.2f}x (goal <= 2x: {goals.check(log_ratio <= 2, 'log')});"
              f" beyond start-up: {(logs[100_000] - start_up) * 1000:.0f} ms"
              f" against the bare append's {percentile(appends, 0.5) * 1000:.1f} ms")

        saved = folder / "data" / "cockpit" / "sessions"
        saved.mkdir(parents=True)
        for i in range(200):
            shutil.copyfile(sizes[1_000], saved / f"2026-11-{1 + i % 28:02d}-{i:04d}-bench.toml")
        first = command("sessions", env=env)
        listing = best_of(lambda: command("sessions", env=env), runs=3)
        print(f"`cockpit sessions`, 200 sessions of 1,000 events: first {first * 1000:.0f} ms,"
              f" then {listing * 1000:.0f} ms (goal < 1 s: {goals.check(listing < 1, 'sessions')})")
    if goals.missed:
        print("MISSED: " + ", ".join(goals.missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
