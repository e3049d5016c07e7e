"""What the SSH user's terminal receives from the real ``cockpit open``, beside a minimal Textual app.

bench/ui.py measures inside the app; this bench measures the bytes on the wire. Each program
runs as its own process in a pseudo-terminal of a fixed size (``bench/wire/harness.py``: 160×48
unless said, ``TERM=xterm-256color``, its own HOME and XDG_* folders, ``COCKPIT_USER`` set), and
a thread timestamps every byte it writes. What is on screen is told from the words in those
bytes once escape sequences are removed (no terminal emulator). Endpoints are real HTTP servers
on 127.0.0.1, the drill fleet in a process of its own (``bench/wire/fleet.py``); sessions are
written in the session file format (``bench/wire/sessions.py``). The references are minimal
Textual apps in the same harness (``bench/wire/apps.py``).

1. Key ``n`` (the note prompt; Escape closes it) → first byte, and → answer complete (the prompt
   drawn, then nothing for 30 ms): p50/p99 over 100 presses, in an idle drill-like incident
   (6 endpoints polled every second), with 200 endpoints polled every second, and in a
   50,000-event session; vs a minimal app opening a one-line Input modal. Goal: p99 ≤ 50 ms and
   ≤ 1.5× the minimal app's p99. Also while a destination of status updates hangs: the idle
   incident, whose seat is delivering an update (sent again on opening, ``cockpit.delivery``) to
   a loopback server that accepts the connection and never answers. Goal: as the idle incident.
2. Bytes per second to the terminal with no key pressed, over 20 s once settled: a resolved
   incident (goal 0 B/s), a live incident (goal ≤ 1 KB/s at 160×48; 80×24 shown too), 200
   endpoints at 1 s (goal ≤ 1.5 KB/s); vs a minimal app where nothing changes and one with a
   clock ticking every second.
3. Bytes written for one ``n`` (the prompt opening), vs the minimal app's modal. Goal ≤ 1.5×.
4. CPU per seat: 10 ``cockpit open --read-only`` seats following one file, idle, CPU seconds
   (utime + stime from /proc) per wall second over 20 s, vs ten minimal clock apps. Goal: no
   more than the clock apps.
5. Append → shown in another seat: a second process appends a note as ``cockpit log`` does
   (``bench/wire/peers.py``); the time from the append's return to its text in the bytes one of
   the read-only seats writes to its terminal, p50/p99 over 30 appends, while the ten seats are
   open (all of them draw each append, on two cores here), then with that seat alone; vs a loop
   re-reading the file every 1 ms (it may see the bytes before the append's fsync returns: below
   0). Goal: p99 ≤ 50 ms, each.
6. First frame: spawn → first byte, and spawn → the screen complete (the header's title, the
   Timeline and the newest entry's text seen), for a 1,000- and a 50,000-event session, vs the
   minimal app's first byte and its one line; cold (a fresh copy: no checkpoint) and warm (the
   same copy opened again: its checkpoint). Goals (the issue's "big sessions open in the time
   of their tail"): warm 50,000 ≤ 2× warm 1,000; cold 50,000 less the cold 1,000 (start-up, the
   screen) ≤ 2× the rtoml parse of the 50,000-event file.

KB are 1,000 bytes. The machine is shared: read the ratios and the medians. ``--quick`` runs a
short version (fewer presses, shorter windows, fewer seats) in about a minute.

Run: ``.venv/bin/python bench/terminal.py [--quick] [--only seats]``; ``--only seats`` runs figures
4 and 5 alone. It exits 0 even when goals are missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WIRE = BENCH / "wire"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from wire.apps import MODAL_MARK, STILL_TEXT  # noqa: E402
from wire.harness import Answer, Terminal, visible_text  # noqa: E402
from wire.report import KB, Report, ms, p  # noqa: E402
from wire.sessions import NEWEST, TITLE, write_session  # noqa: E402

from cockpit.settings import EndpointConfig  # noqa: E402

WIDE, SMALL = (160, 48), (80, 24)
PROMPT_MARK = "Esc to cancel"
"""The note prompt's hint line: drawn in the same frame as the prompt."""
QUIET = 0.03
"""An answer is complete when nothing more arrives for this long after its last byte."""
ESCAPE_DELAY = 0.1
"""Textual's default ESCDELAY: a lone Escape is taken as Escape after this long without another
byte. A key pressed sooner would be read as Alt+key, so the next ``n`` waits for the screen
drawn after it."""


@dataclass(frozen=True)
class Plan:
    presses: int
    window: float
    settle: float
    seats: int
    appends: int
    first_frames: int


FULL = Plan(presses=100, window=20.0, settle=5.0, seats=10, appends=30, first_frames=3)
QUICK = Plan(presses=15, window=5.0, settle=2.0, seats=3, appends=8, first_frames=1)


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- processes in terminals ----------------------------------------------------------------------


class Lab:
    """The run's scratch folder: session files, and a HOME with XDG folders for each program."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0
        self.terminals: list[Terminal] = []

    def spawn(self, argv: list[str], size: tuple[int, int] = WIDE, home: Path | None = None) -> Terminal:
        """``argv`` in a terminal, with a HOME of its own (or ``home``, an earlier one's: its
        cache, and so its checkpoints)."""
        fresh = home is None
        if home is None:
            self.count += 1
            home = self.scratch / "homes" / str(self.count)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "COCKPIT_USER": "alice",
               "PYTHONPATH": str(ROOT)}
        for kind in ("CONFIG", "DATA", "STATE", "CACHE"):
            env[f"XDG_{kind}_HOME"] = str(home / kind.lower())
            if fresh:
                (home / kind.lower()).mkdir(parents=True)
        env["XDG_RUNTIME_DIR"] = str(home / "run")
        if fresh:
            (home / "run").mkdir(mode=0o700)
        terminal = Terminal(argv, size=size, env=env, cwd=str(home))
        terminal.home = home  # type: ignore[attr-defined] - the Lab's: whose cache it wrote to
        self.terminals.append(terminal)
        return terminal

    def cockpit(self, session: Path, *options: str, size: tuple[int, int] = WIDE,
                home: Path | None = None) -> Terminal:
        """The real ``cockpit open`` (``python -m cockpit``, this checkout's code)."""
        return self.spawn([sys.executable, "-m", "cockpit", "open", str(session), *options], size,
                          home=home)

    def minimal(self, kind: str, size: tuple[int, int] = WIDE) -> Terminal:
        return self.spawn([sys.executable, str(WIRE / "apps.py"), kind], size)

    def close(self, *terminals: Terminal) -> None:
        for terminal in terminals or list(self.terminals):
            terminal.close()
            self.terminals.remove(terminal)

    def session(self, name: str, endpoints: list[EndpointConfig], **story: object) -> Path:
        folder = self.scratch / "sessions" / name
        folder.mkdir(parents=True)
        return write_session(folder / f"{name}.toml", endpoints, **story)  # type: ignore[arg-type]

    def copy(self, session: Path, name: str) -> Path:
        """A fresh copy of a session in its own folder (seats add files next to it)."""
        folder = self.scratch / "sessions" / name
        folder.mkdir(parents=True)
        return Path(shutil.copy(session, folder / f"{name}.toml"))


COCKPIT_SHOWN = (TITLE, "Timeline", NEWEST)
COCKPIT_SHOWN_SMALL = (TITLE, "6 Timeline", "customer facing")
"""At 80×24 one pane shows at a time (Impact first), with the tabs."""
MINIMAL_SHOWN = (STILL_TEXT,)


def shown(terminal: Terminal, words: tuple[str, ...], what: str, timeout: float = 90.0) -> float:
    """When ``words`` were all on the terminal; a program that never shows them ends the bench
    with what it did show (its error, most likely)."""
    at = terminal.wait_for(*words, timeout=timeout)
    if at is None:
        tail = " ".join(visible_text(terminal.output()).split())[-600:]
        raise RuntimeError(f"{what} never showed {words!r}; its terminal ended with: {tail!r}")
    return at


@dataclass
class Fleet:
    endpoints: list[EndpointConfig]
    answered: int = 0
    """Requests the fleet answered, known once it has stopped."""


@contextmanager
def fleet(which: str) -> Iterator[Fleet]:
    """The drill fleet serving ``which`` (``drill`` or a count) in its own process."""
    server = subprocess.Popen([sys.executable, str(WIRE / "fleet.py"), which], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None
    running = Fleet([])
    try:
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"the fleet ({which}) did not start")
        running.endpoints = [EndpointConfig.model_validate(e) for e in json.loads(line)]
        yield running
    finally:
        try:  # closes its stdin: the fleet stops and says how many requests it answered
            last = server.communicate(timeout=10)[0].strip()
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        else:
            if last.isdigit():
                running.answered = int(last)


# -- the figures ---------------------------------------------------------------------------------


def rate(terminal: Terminal, window: float) -> float:
    """Bytes per second written over the next ``window`` seconds."""
    start = time.monotonic()
    time.sleep(window)
    return terminal.bytes_between(start, time.monotonic()) / window


def last_second(terminal: Terminal, width: int = 150) -> str:
    """The words of the last second's output, for telling what an idle screen keeps redrawing."""
    end = time.monotonic()
    with_text = [data for at, data in terminal.chunks if end - 1.0 <= at < end]
    words = " ".join(visible_text(b"".join(with_text)).split())
    return words if len(words) <= width else words[:width] + "…"


def rates(terminals: dict[str, Terminal], window: float) -> dict[str, float]:
    """Bytes per second of each terminal over the same ``window``."""
    start = time.monotonic()
    time.sleep(window)
    end = time.monotonic()
    return {name: t.bytes_between(start, end) / window for name, t in terminals.items()}


@dataclass
class Presses:
    first: list[float] = field(default_factory=list)
    complete: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    lost: int = 0


def press_n(terminal: Terminal, mark: str, count: int) -> Presses:
    """``count`` times: wait for a pause in the output, press ``n``, time the answer, press Escape
    and wait for the screen to be back. A press whose prompt never shows counts as lost."""
    result = Presses()
    rng = random.Random(7)
    for _ in range(count):
        terminal.settle(0.05 + rng.uniform(0, 0.03), timeout=2.0)
        answered: tuple[float, Answer] | None = terminal.answer("n", mark, quiet=QUIET, timeout=5.0)
        if answered is None:
            result.lost += 1
        else:
            sent, answer = answered
            result.first.append(answer.first - sent)
            result.complete.append(answer.complete - sent)
            result.sizes.append(answer.size)
        escaped, back = terminal.press("\x1b")
        terminal.first_byte(back, timeout=2.0, after=escaped + ESCAPE_DELAY)
        terminal.settle(QUIET, timeout=2.0)
    return result


def key_rows(report: Report, situation: str, measured: Presses, reference: Presses) -> None:
    if measured.lost:
        report.failures.append(f"{situation}: {measured.lost} of the presses never showed the prompt")
    if not measured.complete:
        return
    ref_first, ref_complete = p(reference.first, .99), p(reference.complete, .99)
    first, complete = p(measured.first, .99), p(measured.complete, .99)
    report.add(f"n → first byte, {situation} (p50 / p99)",
               f"{ms(p(measured.first, .5))} / {ms(first)}",
               f"{ms(p(reference.first, .5))} / {ms(ref_first)}", first / ref_first)
    report.add(f"n → prompt complete, {situation} (p50 / p99)",
               f"{ms(p(measured.complete, .5))} / {ms(complete)}",
               f"{ms(p(reference.complete, .5))} / {ms(ref_complete)}", complete / ref_complete,
               "p99 ≤ 50 ms and ≤ 1.5x", complete <= 0.050 and complete <= 1.5 * ref_complete)


@dataclass(frozen=True)
class Baseline:
    """The minimal apps' figures, beside which the later figures are printed."""

    presses: Presses
    still: float
    clock: float

    @property
    def rates(self) -> str:
        return f"still {self.still:.0f} / clock {self.clock:.0f}"

    def ratio(self, rate: float) -> float | None:
        return rate / self.clock if self.clock else None


def quiet_screens(lab: Lab, plan: Plan, report: Report, drill: list[EndpointConfig]) -> Baseline:
    """Figures 1 (idle incident, minimal app), 2 (all but 200 endpoints) and 3."""
    live = lab.session("live", drill)
    resolved = lab.session("resolved", drill, resolved=True)
    screens = {"live": lab.cockpit(live),
               "live 80x24": lab.cockpit(lab.copy(live, "live-small"), size=SMALL),
               "resolved": lab.cockpit(resolved), "still": lab.minimal("modal"),
               "clock": lab.minimal("clock")}
    words = {"still": MINIMAL_SHOWN, "clock": MINIMAL_SHOWN, "live 80x24": COCKPIT_SHOWN_SMALL}
    for name, terminal in screens.items():
        shown(terminal, words.get(name, COCKPIT_SHOWN), name)
    progress(f"quiet screens up; settling {plan.settle:.0f} s, then {plan.window:.0f} s of bytes")
    time.sleep(plan.settle)
    idle = rates(screens, plan.window)
    for name, terminal in screens.items():
        if idle[name]:
            report.notes.append(f"{name}, one idle second redraws: {last_second(terminal)!r}")
    base = Baseline(Presses(), idle["still"], idle["clock"])
    report.add("B/s idle, resolved incident", f"{idle['resolved']:.0f} B/s", base.rates,
               base.ratio(idle["resolved"]), "0 B/s", idle["resolved"] == 0)
    report.add("B/s idle, live incident 160x48", f"{idle['live']:.0f} B/s", base.rates,
               base.ratio(idle["live"]), "≤ 1 KB/s", idle["live"] <= 1 * KB)
    report.add("B/s idle, live incident 80x24", f"{idle['live 80x24']:.0f} B/s", base.rates,
               base.ratio(idle["live 80x24"]))
    lab.close(screens["live 80x24"], screens["resolved"], screens["clock"])

    progress(f"{plan.presses} presses of n in the minimal app, then in the idle incident")
    reference = press_n(screens["still"], MODAL_MARK, plan.presses)
    measured = press_n(screens["live"], PROMPT_MARK, plan.presses)
    lab.close(screens["still"], screens["live"])
    key_rows(report, "idle incident", measured, reference)
    if measured.sizes and reference.sizes:
        prompt, modal = statistics.median(measured.sizes), statistics.median(reference.sizes)
        report.add("bytes for one n (the prompt opening)", f"{prompt / KB:.1f} KB",
                   f"modal {modal / KB:.1f} KB", prompt / modal, "≤ 1.5x", prompt <= 1.5 * modal)
    return Baseline(reference, base.still, base.clock)


@contextmanager
def hanging_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback port that accepts every connection and never answers: (port, accepted)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # closing the listener ends the loop
            while True:
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def hanging_destination(lab: Lab, plan: Plan, report: Report, base: Baseline,
                        drill: list[EndpointConfig]) -> None:
    """Figure 1 in the idle incident while the seat's delivery of an update hangs."""
    from cockpit.domain import events as ev
    from cockpit.session import Session

    with hanging_server() as (port, accepted):
        session = lab.session("hanging", drill)
        config = session.parent / "cockpit.toml"
        config.write_text(f'[[updates.destinations]]\nname = "hangs"\nkind = "slack"\n'
                          f'url = "http://127.0.0.1:{port}/services/T/B/x"\ntimeout = "10m"\n')
        writer = Session.open(session, handle="alice")  # an update whose delivery failed once:
        update = writer.record(ev.UpdatePosted(text="Rolling back.", audience="internal"))
        writer.record(ev.UpdateDelivered(update=update.seq, destination="hangs", ok=False,
                                         detail="HTTP 503 from 127.0.0.1"))
        writer.close()  # the seat opening it sends it again, into the hanging server
        seat = lab.cockpit(session, "--config", str(config))
        shown(seat, COCKPIT_SHOWN, "the seat with a hanging destination")
        deadline = time.monotonic() + 30
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.01)
        if not accepted:
            report.failures.append("a destination hangs: the seat never connected to it")
            lab.close(seat)
            return
        progress(f"a destination hangs: {plan.presses} presses")
        time.sleep(plan.settle)
        measured = press_n(seat, PROMPT_MARK, plan.presses)
        lab.close(seat)
    report.notes.append(f"a destination hangs: {len(accepted)} connection(s) held open, never "
                        "answered, while the keys were pressed")
    key_rows(report, "a destination hangs", measured, base.presses)


def two_hundred_endpoints(lab: Lab, plan: Plan, report: Report, base: Baseline) -> None:
    """Figures 1 and 2 with 200 endpoints polled every second."""
    with fleet("200") as served:
        seat = lab.cockpit(lab.session("fleet", served.endpoints))
        shown(seat, COCKPIT_SHOWN, "the 200-endpoint seat")
        progress(f"200 endpoints: settling {plan.settle:.0f} s, {plan.window:.0f} s of bytes, "
                 f"{plan.presses} presses")
        time.sleep(plan.settle)
        bytes_per_s = rate(seat, plan.window)
        report.add("B/s idle, 200 endpoints at 1 s", f"{bytes_per_s:.0f} B/s", base.rates,
                   base.ratio(bytes_per_s), "≤ 1.5 KB/s", bytes_per_s <= 1.5 * KB)
        measured = press_n(seat, PROMPT_MARK, plan.presses)
        lab.close(seat)
    report.notes.append(f"200 endpoints: the fleet answered {served.answered} requests in the "
                        f"{time.monotonic() - seat.spawned:.0f} s the seat was open")
    key_rows(report, "200 endpoints", measured, base.presses)


def big_session(lab: Lab, plan: Plan, report: Report, base: Baseline, session: Path) -> None:
    """Figure 1 in a 50,000-event session."""
    seat = lab.cockpit(lab.copy(session, "big-keys"))
    shown(seat, COCKPIT_SHOWN, "the 50,000-event seat")
    progress(f"50,000 events: {plan.presses} presses")
    time.sleep(plan.settle)
    measured = press_n(seat, PROMPT_MARK, plan.presses)
    lab.close(seat)
    key_rows(report, "50,000 events", measured, base.presses)


def first_frames(lab: Lab, plan: Plan, report: Report, sessions: dict[str, Path]) -> None:
    """Figure 6: each kind in a fresh process, taking turns so the machine's noise falls alike;
    each session copy opened twice, cold then warm."""
    times: dict[str, list[tuple[float, float]]] = {"minimal": [], **{k: [] for k in sessions}}
    warm: dict[str, list[float]] = {k: [] for k in sessions}
    progress(f"first frames, {plan.first_frames} of each, cold and warm")
    for run in range(plan.first_frames):
        for kind in times:
            if kind == "minimal":
                terminal = lab.minimal("modal")
                complete = shown(terminal, MINIMAL_SHOWN, kind)
            else:
                copy = lab.copy(sessions[kind], f"first-{kind}-{run}")
                terminal = lab.cockpit(copy)
                complete = shown(terminal, COCKPIT_SHOWN, kind)
            first = terminal.first_byte(0, timeout=0)
            assert first is not None  # something arrived: the words did
            times[kind].append((first - terminal.spawned, complete - terminal.spawned))
            if kind != "minimal":
                home = terminal.home  # type: ignore[attr-defined]
                checkpointed(copy, home)
            lab.close(terminal)
            if kind != "minimal":
                again = lab.cockpit(copy, home=home)
                warm[kind].append(shown(again, COCKPIT_SHOWN, kind) - again.spawned)
                lab.close(again)
    minimal_first = statistics.median(t[0] for t in times["minimal"])
    minimal_complete = statistics.median(t[1] for t in times["minimal"])
    for kind in sessions:
        first = statistics.median(t[0] for t in times[kind])
        complete = statistics.median(t[1] for t in times[kind])
        report.add(f"spawn → first byte, {kind} (median)", ms(first), ms(minimal_first),
                   first / minimal_first)
        report.add(f"spawn → screen complete, {kind} (median)", ms(complete),
                   ms(minimal_complete), complete / minimal_complete)
    small, big = sessions
    warm_small, warm_big = statistics.median(warm[small]), statistics.median(warm[big])
    report.add(f"spawn → screen complete, {big}, warm (median)", ms(warm_big),
               f"{small} warm {ms(warm_small)}", warm_big / warm_small, "≤ 2x",
               warm_big / warm_small <= 2)
    parse = statistics.median(_parse_time(sessions[big]) for _ in range(3))
    cold_small = statistics.median(t[1] for t in times[small])
    cold_big = statistics.median(t[1] for t in times[big])
    beyond = cold_big - cold_small
    report.add(f"spawn → screen complete, {big}, cold, less the {small} one", ms(beyond),
               f"rtoml parse {ms(parse)}", beyond / parse, "≤ 2x", beyond <= 2 * parse)


def _parse_time(session: Path) -> float:
    """The parser the code uses, over the whole file (the reference of a cold open)."""
    import rtoml

    text = session.read_text()
    start = time.perf_counter()
    rtoml.loads(text)
    return time.perf_counter() - start


def checkpointed(session: Path, home: Path, timeout: float = 60.0) -> None:
    """Until the seat open on ``session`` in ``home`` has written its checkpoint (it does once
    its screen is up): the next open there finds it, as a lead reopening later would."""
    from cockpit import checkpoint

    cache = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")  # where that seat's checkpoints are
    try:
        written, deadline = checkpoint.location(session, "state"), time.monotonic() + timeout
        while not written.exists():  # it appears whole: written aside, then renamed
            if time.monotonic() > deadline:
                raise RuntimeError(f"the seat on {session.name} wrote no checkpoint in {timeout:.0f} s")
            time.sleep(0.05)
    finally:
        if cache is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = cache


def idle_cpu(terminals: list[Terminal], settle: float, window: float) -> float:
    """CPU seconds per wall second, summed over ``terminals``, over ``window`` once settled."""
    time.sleep(settle)
    before, start = sum(t.cpu_seconds() for t in terminals), time.monotonic()
    time.sleep(window)
    return (sum(t.cpu_seconds() for t in terminals) - before) / (time.monotonic() - start)


def appends_seen(plan: Plan, report: Report, followed: Path, watcher: Terminal,
                 among: str) -> tuple[list[float], list[float]]:
    """Appends from another process, each timed until ``watcher`` (a read-only seat) shows it
    and until a loop re-reading the file every 1 ms notices it."""
    progress(f"{plan.appends} appends, seen by a read-only seat {among} and by a 1 ms re-read loop")
    writer = subprocess.Popen([sys.executable, str(WIRE / "peers.py"), "append", str(followed)],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    reader = subprocess.Popen([sys.executable, str(WIRE / "peers.py"), "reread", str(followed)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert writer.stdin and writer.stdout and reader.stdout
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in reader.stdout or ()],
                     daemon=True).start()
    seen, noticed = [], []
    rng = random.Random(11)
    try:
        writer.stdout.readline(), lines.get(timeout=30.0)  # both ready
        for n in range(plan.appends):
            time.sleep(rng.uniform(0.1, 0.4))
            text = f"append {n:03d} {rng.choice(['ok', 'lag', 'db', 'cpu'])}"
            mark = watcher.mark()
            writer.stdin.write(text + "\n")
            writer.stdin.flush()
            returned = float(writer.stdout.readline())
            at = watcher.wait_for(text, since=mark, timeout=10.0)
            if at is None:
                report.failures.append(f"append {n} ({among}): the seat never showed {text!r}")
            else:
                seen.append(at - returned)
            try:
                reread = lines.get(timeout=10.0).rsplit(" ", 1)
            except queue.Empty:
                report.failures.append(f"append {n} ({among}): the 1 ms loop never noticed {text!r}")
                continue
            if reread[0] == text:
                noticed.append(float(reread[1]) - returned)
    finally:
        writer.stdin.close()
        writer.wait(timeout=10)
        reader.kill()
        reader.wait()
    return seen, noticed


def seats_and_appends(lab: Lab, plan: Plan, report: Report, drill: list[EndpointConfig]) -> None:
    """Figures 4 and 5: read-only seats following one file; then appends seen by one of them."""
    followed = lab.session("followed", drill)
    progress(f"{plan.seats} read-only seats following one file")
    seats = [lab.cockpit(followed, "--read-only", "--as", f"watcher{n}") for n in range(plan.seats)]
    for n, seat in enumerate(seats):
        shown(seat, COCKPIT_SHOWN, f"read-only seat {n}")
    seats_cpu = idle_cpu(seats, plan.settle, plan.window)

    crowd = appends_seen(plan, report, followed, seats[0], f"among {plan.seats}")
    lab.close(*seats)
    progress("one read-only seat following the file alone")
    quiet = lab.session("followed-alone", drill)  # a fresh one: its newest entry is the marker
    alone = lab.cockpit(quiet, "--read-only", "--as", "watcher")
    shown(alone, COCKPIT_SHOWN, "the lone read-only seat")
    lone = appends_seen(plan, report, quiet, alone, "alone")
    lab.close(alone)

    progress(f"{plan.seats} minimal clock apps")
    clocks = [lab.minimal("clock") for _ in range(plan.seats)]
    for clock in clocks:
        shown(clock, MINIMAL_SHOWN, "a clock app")
    clocks_cpu = idle_cpu(clocks, plan.settle, plan.window)
    lab.close(*clocks)

    report.add(f"CPU, {plan.seats} idle read-only seats (s per s, all together)",
               f"{seats_cpu:.3f} ({seats_cpu / plan.seats * 100:.1f}% of a core per seat)",
               f"{clocks_cpu:.3f} clock apps", seats_cpu / clocks_cpu if clocks_cpu else None,
               "≤ the clock apps", seats_cpu <= clocks_cpu)
    for among, (seen, noticed) in ((f"{plan.seats} seats open", crowd), ("1 seat open", lone)):
        if seen:
            reference = f"{ms(p(noticed, .5))} / {ms(p(noticed, .99))}" if noticed else ""
            report.add(f"append → on another seat's terminal, {among} (p50 / p99)",
                       f"{ms(p(seen, .5))} / {ms(p(seen, .99))}", f"1 ms loop {reference}", None,
                       "p99 ≤ 50 ms", p(seen, .99) <= 0.050)


def all_but_seats(lab: Lab, plan: Plan, report: Report, drill: list[EndpointConfig]) -> None:
    """Figures 1, 2, 3 and 6."""
    progress("writing the sessions (1,000 and 50,000 events)")
    sessions = {"1,000 events": lab.session("thousand", drill, filler=1_000),
                "50,000 events": lab.session("big", drill, filler=50_000)}
    base = quiet_screens(lab, plan, report, drill)
    hanging_destination(lab, plan, report, base, drill)
    two_hundred_endpoints(lab, plan, report, base)
    big_session(lab, plan, report, base, sessions["50,000 events"])
    first_frames(lab, plan, report, sessions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a short run: fewer presses, seats "
                        "and appends, shorter windows")
    parser.add_argument("--only", choices=["seats"], help="only these figures: seats = 4 and 5 "
                        "(idle seats' CPU, append → another seat), for working on them")
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    report = Report()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cockpit-terminal-bench-") as scratch:
        lab = Lab(Path(scratch))
        try:
            with fleet("drill") as served:
                drill = served.endpoints
                if options.only != "seats":
                    all_but_seats(lab, plan, report, drill)
                seats_and_appends(lab, plan, report, drill)
        except RuntimeError as exc:
            report.failures.append(str(exc))
        finally:
            lab.close()
    said = " ".join(o for o in ("--quick" if plan is QUICK else "",
                                "--only seats" if options.only else "") if o)
    print(f"\nbench/terminal.py{' ' + said if said else ''}: what the terminal receives "
          f"(took {time.monotonic() - began:.0f} s; 160x48 unless said; reference = minimal "
          "Textual app in the same pty)\n")
    report.print()
    return 1 if report.failures and not report.rows else 0


if __name__ == "__main__":
    sys.exit(main())
