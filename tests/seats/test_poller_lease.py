"""One poller per session: the lease, and takeover when the polling seat exits or dies."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cockpit.domain import events as ev
from cockpit.seats import PollerLease, poller_lock_path
from cockpit.session import Session

INTERVAL = 0.5


def test_one_holder_at_a_time_and_release_hands_it_over(session_file):
    first, second = PollerLease(session_file), PollerLease(session_file)
    assert first.try_acquire() and first.held
    assert first.try_acquire()  # holding it already is not a conflict
    assert not second.try_acquire() and not second.held
    first.release()
    assert not first.held
    with second:
        assert second.try_acquire() and second.held
        assert not first.try_acquire()
    assert not second.held
    assert first.try_acquire()
    first.release()


def test_lock_file_gets_the_session_files_permissions_whatever_the_umask(session_file):
    os.chmod(session_file, 0o660)
    old = os.umask(0o077)
    try:
        lease = PollerLease(session_file)
        assert lease.try_acquire()
    finally:
        os.umask(old)
    info = os.stat(poller_lock_path(session_file))
    assert stat.S_IMODE(info.st_mode) == 0o660
    assert info.st_gid == os.stat(session_file).st_gid
    lease.release()


class _CountingHealthServer:
    """A real health endpoint on 127.0.0.1 that remembers who asked, and when."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str]] = []
        self.changed = threading.Condition()
        hits = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's spelling
                with hits.changed:
                    hits.requests.append((time.monotonic(), self.headers.get("X-Seat", "?")))
                    hits.changed.notify_all()
                body = b'{"status": "ok"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/healthz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout: float) -> tuple[float, str]:
        """The first request satisfying ``predicate``, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = next((r for r in self.requests if predicate(r)), None)
                if found or time.monotonic() > deadline:
                    assert found, f"no such request within {timeout}s: {self.requests[-5:]}"
                    return found
                self.changed.wait(deadline - time.monotonic())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def health_server():
    server = _CountingHealthServer()
    yield server
    server.close()


def test_polling_seat_dies_another_takes_over_and_none_polls_twice(
        session_file, seats, health_server):
    """Takeover comes at a seat's next try, one interval at most after the death (the lock dies
    with its holder: see the test below); the time it takes here is not asserted, as a busy
    machine may run a seat's next round late."""
    pollers = {h: seats("poll", session_file, h, health_server.url, str(INTERVAL))
               for h in ("alice", "bob", "carol")}
    for poller in pollers.values():
        poller.expect("ready", timeout=20)
    _, leader = health_server.wait_for(lambda r: True, timeout=60)
    polled_before = health_server.wait_for(lambda r: r[1] == leader, timeout=60)
    # let it poll a few intervals while the others keep trying for the lease
    health_server.wait_for(lambda r: r[0] > polled_before[0] + 3 * INTERVAL - 0.1, timeout=60)

    killed_at = time.monotonic()
    os.kill(pollers[leader].pid, signal.SIGKILL)
    pollers[leader].drain()
    _, successor = health_server.wait_for(lambda r: r[0] > killed_at, timeout=60)
    assert successor != leader
    pollers[successor].expect("lease")

    # a polling seat stopped with SIGTERM hands over too
    exited_at = time.monotonic()
    pollers[successor].proc.terminate()
    pollers[successor].drain()
    health_server.wait_for(lambda r: r[0] > exited_at and r[1] not in (leader, successor),
                           timeout=60)
    third = next(h for h in pollers if h not in (leader, successor))
    last = health_server.wait_for(lambda r: r[1] == third, timeout=60)
    health_server.wait_for(lambda r: r[0] > last[0] + INTERVAL - 0.1, timeout=60)

    with health_server.changed:
        requests = list(health_server.requests)
    pollers_in_order = [seat for _, seat in requests]
    handovers = [(a, b) for a, b in zip(pollers_in_order, pollers_in_order[1:]) if a != b]
    assert handovers == [(leader, successor), (successor, third)]  # never two pollers at once

    # three seats polled an endpoint that was up all along: one change on the timeline
    changes = [e for e in Session.open(session_file).events if isinstance(e, ev.HealthChanged)]
    assert [(e.endpoint, e.to, e.by) for e in changes] == [("api", "up", leader)]


def test_a_lease_whose_holder_died_is_free_at_the_next_try(session_file):
    """What bounds a takeover by one interval: no stale lock to wait out, the first try after the
    holder's death wins (the kernel drops a dead process's flock)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from cockpit.seats import PollerLease\n"
         "lease = PollerLease(sys.argv[1]); print(lease.try_acquire(), flush=True); time.sleep(600)",
         str(session_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "True\n"
        successor = PollerLease(session_file)
        assert not successor.try_acquire()  # held while the holder lives
        holder.kill()
        holder.wait(timeout=60)
        assert successor.try_acquire()  # and free the moment it is gone
        successor.release()
    finally:
        holder.kill()
        holder.wait(timeout=60)
        holder.stdout.close()
