"""Seats benchmark: how fast another seat sees an append, and what following an idle file costs.

1. Follow latency: a writer process records 200 notes at random 10-40 ms intervals, each note
   carrying the monotonic time taken just before ``record`` (so the figure includes the append's
   write + fsync). Two follower processes call ``Session.refresh`` on the file: one every 250 ms,
   as the app does, and a reference one every 1 ms, which shows what the mechanism itself costs
   (lock, read, parse, fold) without the polling cadence. Goal: p99 < 500 ms at the app's cadence.
2. Idle cost: a seat following a file nobody writes (refresh every 250 ms, one poller-lease try a
   second against a lease another process holds), its CPU time measured with ``getrusage`` over
   10 s, beside a reference loop that only sleeps on the same cadence. Goal: < 1% of a core.

3. Journals, file vs PostgreSQL, in one run (a server started on loopback as the tests start it):
   append p50/p99 (one seat recording 300 notes); append in one seat -> arrival in another
   (the follower is a real ``Seat`` on an event loop: inotify on the file, LISTEN/NOTIFY on the
   database; goal p99 < 100 ms); appends per second with 20 seats writing at once.

CLOCK_MONOTONIC is system-wide on Linux, so times from different processes compare directly.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.domain import events as ev  # noqa: E402
from cockpit.seats import PollerLease  # noqa: E402
from cockpit.session import Session, new_incident  # noqa: E402
from cockpit.settings import Config, load_protocol  # noqa: E402

NOTES = 200
APP_CADENCE = 0.25
IDLE_SECONDS = 10.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the processes ---------------------------------------------------------------------------------


def writer(path: str) -> None:
    session = Session.open(path, handle="writer")
    rng = random.Random(7)
    print("ready", flush=True)
    sys.stdin.readline()  # go
    for _ in range(NOTES):
        time.sleep(rng.uniform(0.010, 0.040))
        session.record(ev.NoteAdded(text=str(time.monotonic())))
    session.record(ev.NoteAdded(text="end"))


def follower(path: str, cadence: float) -> None:
    session = Session.open(path, handle="follower")
    latencies = []
    print("ready", flush=True)
    while True:
        for event in session.refresh():
            if isinstance(event, ev.NoteAdded):
                if event.text == "end":
                    print(json.dumps(latencies), flush=True)
                    return
                latencies.append(time.monotonic() - float(event.text))
        time.sleep(cadence)


def idle(path: str, mode: str) -> None:
    """CPU seconds spent over IDLE_SECONDS: a following seat, or the bare sleeping loop."""
    session = Session.open(path, handle="idle")
    lease = PollerLease(path)
    print("ready", flush=True)
    start = resource.getrusage(resource.RUSAGE_SELF)
    ticks = 0
    deadline = time.monotonic() + IDLE_SECONDS
    while time.monotonic() < deadline:
        if mode == "follow":
            session.refresh()
            if ticks % round(1 / APP_CADENCE) == 0:
                lease.try_acquire()
        ticks += 1
        time.sleep(APP_CADENCE)
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    print(json.dumps({"cpu": cpu, "held": lease.held}), flush=True)


# -- the run ---------------------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def result(proc: subprocess.Popen[str]):
    assert proc.stdout is not None
    value = json.loads(proc.stdout.readline())
    proc.wait(timeout=60)
    return value


def bench_follow(path: Path) -> None:
    at_app_cadence = spawn("follow", str(path), str(APP_CADENCE))
    reference = spawn("follow", str(path), "0.001")
    write = spawn("write", str(path))
    assert write.stdin is not None
    write.stdin.write("go\n")
    write.stdin.flush()
    app, tight = result(at_app_cadence), result(reference)
    write.wait(timeout=60)
    print(f"append in one seat -> seen by another, {len(app)} notes (includes write + fsync):")
    print(f"  follower polling every 1 ms   p50 {percentile(tight, 0.5) * 1000:6.1f} ms"
          f"  p99 {percentile(tight, 0.99) * 1000:6.1f} ms  (reference: the mechanism alone)")
    print(f"  follower every {APP_CADENCE * 1000:.0f} ms (app)  p50 {percentile(app, 0.5) * 1000:6.1f} ms"
          f"  p99 {percentile(app, 0.99) * 1000:6.1f} ms  ratio p99 "
          f"{percentile(app, 0.99) / percentile(tight, 0.99):.0f}x  (goal: p99 < 500 ms)")


def bench_idle(path: Path) -> None:
    holder = PollerLease(path)
    assert holder.try_acquire()  # another seat polls: the idle seat only keeps trying
    seat, floor = spawn("idle", str(path), "follow"), spawn("idle", str(path), "sleep")
    followed, slept = result(seat), result(floor)
    holder.release()
    assert not followed["held"]
    share = followed["cpu"] / IDLE_SECONDS * 100
    base = slept["cpu"] / IDLE_SECONDS * 100
    print(f"idle seat over {IDLE_SECONDS:.0f} s (refresh every {APP_CADENCE * 1000:.0f} ms, lease try every 1 s):")
    print(f"  sleeping loop alone            {base:6.3f}% of a core  (reference)")
    print(f"  following seat                 {share:6.3f}% of a core  ratio "
          f"{share / base if base else float('inf'):.1f}x  (goal: < 1%)")


# -- 3. journals: the file and PostgreSQL --------------------------------------------------------

JOURNAL_NOTES = 300
CROWD = 20
CROWD_NOTES = 50


def open_target(target: str, handle: str) -> Session:
    """``PATH`` (a file) or ``URL NAME`` (a database session)."""
    if " " not in target:
        return Session.open(target, handle=handle)
    from cockpit.pgjournal import Database, PgJournal

    url, name = target.split(" ", 1)
    return Session.open(PgJournal(Database.parse(url), name), handle=handle)


def journal_writer(target: str, count: int, spaced: bool) -> None:
    session = open_target(target, f"w{time.monotonic_ns()}")
    rng = random.Random(11)
    print("ready", flush=True)
    sys.stdin.readline()  # go
    took = []
    for _ in range(count):
        if spaced:
            time.sleep(rng.uniform(0.010, 0.040))
        start = time.monotonic()
        session.record(ev.NoteAdded(text=str(start)))
        took.append(time.monotonic() - start)
    if spaced:
        session.record(ev.NoteAdded(text="end"))
    session.close()
    print(json.dumps(took), flush=True)


def journal_follower(target: str) -> None:
    import asyncio

    from cockpit.seat import Seat

    session = open_target(target, "follower")
    latencies: list[float] = []
    done = asyncio.Event()
    seen = len(session.events)

    def changed() -> None:
        nonlocal seen
        now = time.monotonic()
        for event in session.events[seen:]:
            if isinstance(event, ev.NoteAdded):
                if event.text == "end":
                    done.set()
                else:
                    latencies.append(now - float(event.text))
        seen = len(session.events)

    async def run() -> None:
        seat = Seat(session, changed=changed)
        seat.start_following()
        await asyncio.sleep(0.5)  # the watch or LISTEN in place before the writer starts
        print("ready", flush=True)
        await done.wait()
        await seat.leave()

    asyncio.run(run())
    print(json.dumps(latencies), flush=True)


def go(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


def bench_journal(kind: str, target: str) -> None:
    alone = spawn("jwrite", target, str(JOURNAL_NOTES), "0")
    go(alone)
    took = result(alone)
    follow = spawn("jfollow", target)
    spaced = spawn("jwrite", target, "200", "1")
    go(spaced)
    result(spaced)
    seen = result(follow)
    crowd = [spawn("jwrite", target, str(CROWD_NOTES), "0") for _ in range(CROWD)]
    start = time.monotonic()
    go(*crowd)
    for proc in crowd:
        result(proc)
    rate = CROWD * CROWD_NOTES / (time.monotonic() - start)
    print(f"  {kind:10} append p50 {percentile(took, 0.5) * 1000:6.2f} ms  p99"
          f" {percentile(took, 0.99) * 1000:6.2f} ms | seen by another seat p50"
          f" {percentile(seen, 0.5) * 1000:6.2f} ms  p99 {percentile(seen, 0.99) * 1000:6.2f} ms"
          f" | {CROWD} seats writing {rate:7.0f} appends/s")


def bench_journals() -> None:
    print("journals, file vs PostgreSQL (goal: seen by another seat p99 < 100 ms):")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        path = Path(tmp) / "journal.toml"
        new_incident(config=Config(), protocol=load_protocol("major-incident"), title="bench",
                     severity="SEV2", path=path, handle="bench").close()
        bench_journal("file", str(path))
    try:
        from tests.pg.server import running
    except ImportError as exc:
        print(f"  postgresql skipped: {exc}")
        return
    try:
        with running() as server:
            from cockpit.journals import DatabaseTarget
            from cockpit.pgjournal import Database

            url = server.url(server.new_database())
            session = new_incident(config=Config(), protocol=load_protocol("major-incident"),
                                   title="bench", severity="SEV2", handle="bench",
                                   path=DatabaseTarget(Database.parse(url), "bench"))
            session.close()
            bench_journal("postgresql", f"{url} bench")
    except LookupError as exc:
        print(f"  postgresql skipped: {exc}")


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        path = Path(tmp) / "seats.toml"
        new_incident(config=Config(), protocol=load_protocol("major-incident"), title="bench",
                     severity="SEV2", path=path, handle="bench").close()
        bench_follow(path)
        bench_idle(path)
    bench_journals()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        mode, *rest = sys.argv[1:]
        if mode == "write":
            writer(rest[0])
        elif mode == "follow":
            follower(rest[0], float(rest[1]))
        elif mode == "idle":
            idle(rest[0], rest[1])
        elif mode == "jwrite":
            journal_writer(rest[0], int(rest[1]), rest[2] == "1")
        elif mode == "jfollow":
            journal_follower(rest[0])
    else:
        main()
