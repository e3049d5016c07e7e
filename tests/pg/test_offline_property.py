"""A property over random interleavings of appends, cut connections and reconnections: every
acknowledged event is in the database exactly once, ``seq`` is contiguous, and every seat ends
with the same events in the same order.

Each seat reaches the server through its own loopback TCP proxy, so a cut is real: the proxy
drops every connection of that seat and refuses new ones until it is restored.
"""

from __future__ import annotations

import socket
import threading
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit import pgjournal
from cockpit.domain import events as ev
from cockpit.domain.clock import SystemClock
from cockpit.journals import DatabaseTarget
from cockpit.pgjournal import Database, PgJournal
from cockpit.session import Session, new_incident
from cockpit.settings import Config, load_protocol

pytestmark = pytest.mark.xdist_group("pg")
SEATS = 3


class Proxy:
    """A TCP forwarder on a loopback port that can be cut and restored."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
            except OSError:
                pass
            listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


operations = st.lists(st.tuples(st.sampled_from(["append", "append", "cut", "restore", "follow"]),
                                st.integers(0, SEATS - 1)), min_size=1, max_size=30)


@pytest.fixture
def proxies(pg_server):
    made = [Proxy(pg_server.port) for _ in range(SEATS)]
    yield made
    for proxy in made:
        proxy.cut()


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_every_acknowledged_event_once_in_one_order(pg_url, proxies, monkeypatch, ops):
    monkeypatch.setattr(pgjournal, "RECONNECT_SECONDS", 0.0)
    direct = Database.parse(pg_url)
    config = Config()
    name = f"prop-{uuid.uuid4().hex[:10]}"
    new_incident(config=config, protocol=load_protocol("major-incident", config), title="prop",
                 severity="SEV3", path=DatabaseTarget(direct, name), clock=SystemClock(),
                 handle="lead").close()
    for proxy in proxies:
        proxy.restore()
    seats = [Session.open(PgJournal(Database.parse(pg_url.replace(
        f":{proxies[0].upstream}/", f":{p.port}/")), name), handle=f"s{i}")
        for i, p in enumerate(proxies)]
    acknowledged = []
    try:
        for n, (op, i) in enumerate(ops):
            if op == "append":
                text = f"{i}-{n}"
                seats[i].record(ev.NoteAdded(text=text))  # returns only once it is kept
                acknowledged.append(text)
            elif op == "cut":
                proxies[i].cut()
            elif op == "restore":
                proxies[i].restore()
            else:
                seats[i].refresh()
        for proxy in proxies:
            proxy.restore()
        for _ in range(2):  # every seat back online and uploaded, then each reads the others
            for seat in seats:
                for _ in range(4):
                    seat.refresh()
                    if seat.journal.online and not seat.journal.rebased:
                        break
                assert seat.journal.online, seat.journal.problems
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute("SELECT seq, kind, record->>'text' FROM cockpit_events"
                                " WHERE session = %s ORDER BY seq", (name,)).fetchall()
        assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))
        in_db = [(seq, text) for seq, kind, text in rows if kind == "note.added"]
        assert sorted(text for _, text in in_db) == sorted(acknowledged)
        ordered = sorted(in_db, key=lambda row: row[0])
        for seat in seats:
            mine = [(e.seq, e.text) for e in seat.events if isinstance(e, ev.NoteAdded)]
            by_time = [(e.seq, e.text) for e in sorted(
                (e for e in seat.events if isinstance(e, ev.NoteAdded)), key=lambda e: (e.at, e.seq))]
            assert sorted(mine) == ordered
            assert mine == by_time
        orders = {tuple((e.seq, e.kind) for e in seat.events) for seat in seats}
        assert len(orders) == 1
    finally:
        for seat in seats:
            seat.close()
