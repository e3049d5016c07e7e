"""``cockpit probe``: the health checks of the config, without a screen.

Usage: ``cockpit probe [--config PATH] [--once | --duration S] [--json]``

* ``--once`` (the default): one check of every endpoint, all at once; each endpoint's state is
  the outcome of that one check (ERROR leaves it unknown).
* ``--duration S``: poll on every endpoint's own cadence for S seconds, printing each state
  change as it happens (Ctrl-C ends early and still prints the result).
* ``--json``: print nothing but one JSON document at the end::

    {"endpoints": [{"name", "state", "latency_ms", "status", "detail", "probes"}, ...],
     "transitions": [{"at", "endpoint", "from", "to", "detail"}, ...]}

Every kind of endpoint is checked the same way (http(s), tcp, tls, dns, icmp, prometheus);
``status`` is null for the kinds without an HTTP status.

Exit codes: 0 every endpoint is up at the end; 1 some endpoint is not up (degraded, down or
unknown) or the checks could not run; 2 bad usage or config (including a condition that does not
parse, and a config without endpoints).

A reader that goes away (``cockpit probe --json | head``) ends the polling and the output
quietly: nothing on stderr, the exit code still the checks' verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterable
from typing import TextIO

from cockpit.domain.events import Event, HealthChanged
from cockpit.health.conditions import ConditionError
from cockpit.health.monitor import Monitor
from cockpit.health.probe import EndpointError
from cockpit.health.tracker import EndpointView
from cockpit.settings import Config, ConfigError, load_config
from cockpit.text import printable

EXIT_UP, EXIT_NOT_UP = 0, 1
MARKS = {"up": "▲ UP", "degraded": "◆ DEGRADED", "down": "▼ DOWN", "unknown": "? UNKNOWN"}


def run_probe(args: argparse.Namespace) -> int:
    config = load_config(getattr(args, "config", None))
    duration = getattr(args, "duration", None)
    monitor = _monitor(config, live=sys.stdout if duration and not args.json else None)
    if duration:
        asyncio.run(_poll(monitor, duration))
    else:
        asyncio.run(monitor.check_once())
    views = list(monitor.snapshot().values())
    try:
        if args.json:
            json.dump(_document(views, monitor.transitions), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            _print_table(views, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_went_away()
    return EXIT_UP if all(view.state == "up" for view in views) else EXIT_NOT_UP


def _reader_went_away() -> None:
    """Point stdout at /dev/null, so that nothing written later (the interpreter's last flush
    included) can complain about the closed pipe."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _monitor(config: Config, live: TextIO | None) -> Monitor:
    if not config.endpoints:
        raise ConfigError(f"{config.source}: no endpoints to probe; add [[endpoints]] tables with a "
                          "name and a url (see docs/configuration.md), or pass --config PATH")

    monitor: Monitor | None = None

    def show(event: Event) -> None:
        if live is None or not isinstance(event, HealthChanged):
            return
        try:
            print(_transition_line(event), file=live, flush=True)
        except BrokenPipeError:
            _reader_went_away()
            if monitor is not None:
                monitor.stop()  # nobody reads on: stop polling

    try:
        monitor = Monitor(config.endpoints, show)
    except (ConditionError, EndpointError) as exc:
        raise ConfigError(f"{config.source}: {exc}") from None
    return monitor


async def _poll(monitor: Monitor, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(seconds, monitor.stop)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, monitor.stop)
    await monitor.run()


def _transition_line(event: HealthChanged) -> str:
    at = event.at.strftime("%H:%M:%S")
    detail = f"  ({printable(event.detail, one_line=True)})" if event.detail else ""
    return (f"{at}  {printable(event.endpoint, one_line=True)}  "
            f"{event.from_} → {event.to}{detail}")


def _print_table(views: list[EndpointView], out: TextIO) -> None:
    width = max(len(printable(view.name, one_line=True)) for view in views)
    for view in views:
        latency = f"{view.latency_ms:.0f} ms" if view.latency_ms is not None else "—"
        flapping = "  (flapping)" if view.flapping else ""
        print(f"{MARKS[view.state]:<11} {printable(view.name, one_line=True):<{width}}  "
              f"{latency:>8}  {printable(view.detail, one_line=True)}{flapping}", file=out)


def _document(views: list[EndpointView], transitions: Iterable[HealthChanged]) -> dict:
    return {
        "endpoints": [
            {"name": v.name, "state": v.state,
             "latency_ms": round(v.latency_ms, 1) if v.latency_ms is not None else None,
             "status": v.status, "detail": v.detail, "probes": v.probes}
            for v in views
        ],
        "transitions": [
            {"at": t.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
             "endpoint": t.endpoint, "from": t.from_, "to": t.to, "detail": t.detail}
            for t in transitions
        ],
    }
