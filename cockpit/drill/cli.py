"""``cockpit drill [SCENARIO] [--speed X] [--session PATH] [--no-ui --duration S] [--as HANDLE]``.

Stages a scenario on loopback and opens the cockpit on it. With ``--no-ui`` it follows the drill
in the terminal instead: one line per health change and per inject as they are recorded (UTC
time, scenario time, sanitized text), until ``--duration`` seconds have passed or the story is
over, then it closes the fleet and the health client and says where the session is.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
from typing import TextIO

from cockpit.errors import EXIT_OK, RuntimeFailure, UsageError
from cockpit.domain import events as ev
from cockpit.domain.durations import clock_time, format_clock, format_offset
from cockpit.drill.runner import DRILL_HANDLE, DrillError, DrillRunner
from cockpit.drill.scenario import find_scenario
from cockpit.narrate import Context, narrate
from cockpit.seat import Seat
from cockpit.session import Session
from cockpit.settings import AlertSettings, load_config, load_protocol
from cockpit.text import printable

DEFAULT_SCENARIO = "checkout-outage"
EXIT_INTERRUPTED = 130


def run_drill(args: argparse.Namespace) -> int:
    if args.duration is not None and not args.no_ui:
        raise UsageError("--duration stops a headless drill: use it with --no-ui "
                         "(with the screen, quit with ctrl+q)")
    config = load_config(getattr(args, "config", None))
    scenario = find_scenario(args.scenario or DEFAULT_SCENARIO, config)
    protocol = load_protocol(scenario.scenario.protocol, config)
    problems = scenario.objective_problems({step.id for step in protocol.steps})
    if problems:
        raise UsageError(f"scenario {scenario.name!r}: " + "; ".join(problems))
    runner = DrillRunner(scenario, speed=args.speed)
    try:
        session = runner.start(config=config, protocol=protocol, path=args.session, handle=args.handle)
    except DrillError as exc:
        raise RuntimeFailure(str(exc)) from None
    try:
        if args.no_ui:
            return asyncio.run(follow_headless(runner, session, duration=args.duration,
                                               alerts=config.alerts))
        from cockpit.ui.launch import run_cockpit  # only the screen pays for Textual

        code = run_cockpit(session, config=config, monitor_for=runner.monitor, drill=runner,
                           low_bandwidth=getattr(args, "low_bandwidth", False))
        for problem in runner.problems:
            print(f"cockpit: warning: {problem}", file=sys.stderr)
        print(f"drill session saved: {session.path}")
        return code
    finally:
        runner.stop()
        session.close()


async def follow_headless(runner: DrillRunner, session: Session, *, duration: float | None,
                          out: TextIO | None = None, alerts: AlertSettings | None = None) -> int:
    """Poll the fleet and print what is recorded until ``duration`` or the end of the story."""
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, interrupted.set)
    info = runner.scenario.scenario
    printer = _Printer(runner, session, out or sys.stdout)
    printer.say(printable(f"drill {info.name!r}: {info.title}, at {runner.speed:g}x speed, "
                          f"{_count(len(runner.endpoints), 'service')} on 127.0.0.1", one_line=True))
    printer.say(f"session: {session.path}")
    seat = Seat(session, say=lambda notice: printer.say(printable(
        f"{notice.tone}: {notice.text}", one_line=True)), changed=printer.catch_up)
    seat.start_polling(runner.monitor(seat.record), alerts=alerts)
    polling = seat.polling_task
    assert polling is not None
    deadline = loop.time() + min(duration if duration is not None else math.inf, runner.remaining())
    seat.start_following()  # what other seats append is printed as it lands
    stopped = loop.create_task(interrupted.wait())
    try:
        left = deadline - loop.time()
        await asyncio.wait({stopped, polling}, timeout=left if left < math.inf else None,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        played = format_clock(runner.elapsed())
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        failed = polling.exception() if polling.done() and not polling.cancelled() else None
        await seat.leave()
        seat.rescue()
    if failed is not None:
        raise RuntimeFailure(f"the health monitor stopped: {failed}")
    seat.follow()
    printer.catch_up()
    for problem in runner.problems:
        printer.say(f"warning: {problem}")
    printer.say(f"drill {'interrupted' if interrupted.is_set() else 'over'} at scenario time {played} "
                f"of {format_clock(runner.scenario.ends_at.total_seconds())}: "
                f"{_count(printer.counts['health'], 'health change')}, "
                f"{_count(printer.counts['inject'], 'inject')}")
    printer.say(f"session: {session.path}  (postmortem draft: cockpit report {session.path})")
    return EXIT_INTERRUPTED if interrupted.is_set() else EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _Printer:
    """Prints the drill's health changes, injects and roster moves, once each, in the order they
    were recorded: the UTC time, the scenario time and the narrator's words for the event."""

    def __init__(self, runner: DrillRunner, session: Session, out: TextIO) -> None:
        self.runner = runner
        self.session = session
        self.out = out
        self.shown = len(session.events)
        self.counts = {"health": 0, "inject": 0}
        self.context = Context(events=session.events)
        """What the narrator knows of the record (a handover's briefing is said once)."""

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def catch_up(self) -> None:
        events = self.session.events
        news = events[self.shown:]
        self.context.add(news)
        for event in news:
            if self._follows(event):
                played = format_offset(round(self.runner.scenario_time(event.at)))
                self.say(f"{clock_time(event.at)}Z  {played:>7}  {narrate(event, self.context)}")
        self.shown = len(events)

    def _follows(self, event: ev.Event) -> bool:
        """Whether a drill follower sees ``event``: health changes, injects, the drill's roster."""
        if isinstance(event, ev.HealthChanged):
            self.counts["health"] += 1
            return True
        if isinstance(event, ev.DrillInject):
            self.counts["inject"] += 1
            return True
        return isinstance(event, (ev.MemberJoined, ev.MemberStatusChanged)) and event.by == DRILL_HANDLE
