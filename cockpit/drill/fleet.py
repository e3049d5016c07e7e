"""The simulated fleet: every service of a scenario as a real HTTP server on 127.0.0.1.

Each service listens on its own port and follows its timeline of behaviours under a scenario
clock. The behaviours are real, so the cockpit's poller is tested for what it would meet in
production: ``down`` closes the listening socket and drops open connections (connection
refused), ``hanging`` accepts and reads the request but never answers, ``slow`` really waits
before answering. The server is plain asyncio streams with a minimal HTTP/1.1 (keep-alive,
Content-Length bodies): nothing in a framework can then answer on a service's behalf.

Each service also serves ``/metrics`` (Prometheus text format, by prometheus-client): the health
requests it answered by status, whether it is up now and the share of requests failing now, so a
real Prometheus scraping the fleet sees the scenario's outage. A service that is down does not
answer its scrape either (Prometheus's own ``up`` goes to 0); a hanging one still does, as the
metrics thread of a wedged service would.

While a service is down its port stays reserved by a bound, non-listening socket (connects are
refused; the port cannot be handed to anyone else), so the URL the cockpit polls keeps working
when the service comes back.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import socket
import time
from collections.abc import Callable
from http import HTTPStatus

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cockpit.drill.scenario import Phase, Scenario, ServiceSpec
from cockpit.settings import EndpointConfig

HOST = "127.0.0.1"
_MAX_HEAD = 16 * 1024
_MAX_BODY = 64 * 1024
METRICS_PATH = "/metrics"
_NOT_ANSWERING = ("down", "hanging", "erroring")


class ScenarioClock:
    """Scenario time: real time since ``origin`` multiplied by ``speed`` (10 = ten times faster)."""

    def __init__(self, speed: float = 1.0, origin: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        self.speed = speed
        self.origin = time.monotonic() if origin is None else origin

    def elapsed(self) -> float:
        """Scenario seconds since the start."""
        return (time.monotonic() - self.origin) * self.speed

    def real_delay(self, scenario_seconds: float) -> float:
        """Real seconds until ``scenario_seconds`` of scenario time (0 when already past)."""
        return max(0.0, (scenario_seconds - self.elapsed()) / self.speed)

    async def sleep_until(self, scenario_seconds: float) -> None:
        # asyncio may wake a timer up to its clock resolution early: loop until really there.
        while (delay := self.real_delay(scenario_seconds)) > 0:
            await asyncio.sleep(delay)


PhaseListener = Callable[[str, Phase], None]


class SimulatedService:
    """One service of the fleet: a port, a listener that comes and goes, a current phase."""

    def __init__(self, spec: ServiceSpec, port: int, clock: ScenarioClock, rng: random.Random) -> None:
        self.spec = spec
        self.clock = clock
        self.rng = rng
        self.started_at = clock.elapsed()
        self.phase = spec.phase_at(self.started_at)
        self.requests_in_phase = 0
        self._holder = _bound_socket(port)
        self.port: int = self._holder.getsockname()[1]
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[None]] = {}
        self.metrics = ServiceMetrics(self)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.spec.path}"

    async def enter(self, phase: Phase) -> None:
        """Switch to ``phase``: open or close the listener as it requires."""
        self.phase = phase
        self.requests_in_phase = 0
        if phase.behaviour == "down":
            await self._stop_listening()
        elif self._server is None:
            listener = _bound_socket(self.port)
            listener.listen(128)
            self._server = await asyncio.start_server(self._serve, sock=listener, limit=_MAX_HEAD)

    async def _stop_listening(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # A dead process takes its connections with it, answers half-written or not.
        handlers = list(self._connections.values())
        for writer, handler in list(self._connections.items()):
            writer.transport.abort()
            handler.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def close(self) -> None:
        await self._stop_listening()
        self._holder.close()

    # -- answering -------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._connections[writer] = handler
        try:
            await self._converse(reader, writer)
        except asyncio.CancelledError:
            pass  # the service went down; ending quietly keeps asyncio from logging it as an error
        finally:
            self._connections.pop(writer, None)
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer requests on one connection until the client leaves or asks to close."""
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path, keep_alive = request
                if path.split("?", 1)[0] == METRICS_PATH != self.spec.path:
                    writer.write(_response(200, self.metrics.exposition(), head_only=method == "HEAD",
                                           keep_alive=keep_alive, content_type=CONTENT_TYPE_LATEST))
                    await writer.drain()
                    if not keep_alive:
                        break
                    continue
                if self.phase.behaviour == "hanging":
                    # Accepted and read, never answered: stuck even if the phase ends, like a
                    # wedged worker, until the client gives up or the service goes down.
                    await _until_client_leaves(reader)
                    break
                status, body = await self._answer(path)
                self.metrics.answered(status)
                writer.write(_response(status, body, head_only=method == "HEAD", keep_alive=keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except _BadRequest:
            writer.write(_response(400, {"status": "error", "message": "bad request"}, keep_alive=False))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    async def _answer(self, path: str) -> tuple[int, dict[str, object]]:
        if path.split("?", 1)[0] != self.spec.path:
            return 404, {"status": "error", "message": f"no such path; health is at {self.spec.path}"}
        phase = self.phase
        self.requests_in_phase += 1
        failing = self._failing(phase, self.requests_in_phase)  # decided on arrival, like a real bug
        delay_ms = phase.slow_ms if phase.behaviour == "slow" else self.spec.baseline_ms
        if self.spec.jitter_ms:
            delay_ms += self.rng.uniform(0, self.spec.jitter_ms)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        body: dict[str, object] = {"status": "ok", "service": self.spec.service or self.spec.name}
        if phase.message:
            body["message"] = phase.message
        if failing:
            return phase.failing_status, {**body, "status": "error"}
        if phase.behaviour == "wrong-body":
            return 200, {**body, "status": "degraded"}
        return 200, body

    def _failing(self, phase: Phase, n: int) -> bool:
        """Whether the ``n``-th request of ``phase`` fails."""
        if phase.behaviour == "erroring":
            return True
        if phase.behaviour == "partial":
            # Spread evenly, not at random: of any k consecutive requests, floor or ceil of
            # k × ratio fail, so a monitor's window sees the ratio and tests can count it.
            ratio = phase.fail_ratio or 0.0
            return math.floor(n * ratio) > math.floor((n - 1) * ratio)
        if phase.behaviour == "flapping":
            into_phase = self.clock.elapsed() - phase.at.total_seconds()
            return int(into_phase // phase.half_cycle) % 2 == 1
        return False

    def failing_share(self) -> float:
        """The share of health requests failing now, as the current phase has them."""
        phase = self.phase
        if phase.behaviour in _NOT_ANSWERING:
            return 1.0
        if phase.behaviour == "partial":
            return phase.fail_ratio or 0.0
        if phase.behaviour == "flapping":
            return 1.0 if self._failing(phase, 1) else 0.0
        return 0.0


class ServiceMetrics(Collector):
    """One service's metrics, in a registry of its own (fleets run side by side in one process):

    - ``drill_requests_total{service, code}``: health requests answered, by HTTP status;
    - ``drill_service_up{service}``: 1 while it answers, 0 while down, hanging or erroring (or
      in the failing half of a flap);
    - ``drill_service_error_ratio{service}``: the share of health requests failing now.
    """

    def __init__(self, service: SimulatedService) -> None:
        self.service = service
        self.name = service.spec.name
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter("drill_requests", "Health requests the service answered, by HTTP status",
                                ["service", "code"], registry=self.registry)
        self.registry.register(self)

    def answered(self, status: int) -> None:
        self.requests.labels(self.name, str(status)).inc()

    def collect(self) -> list[GaugeMetricFamily]:
        share = self.service.failing_share()
        up = GaugeMetricFamily("drill_service_up", "1 while the service answers, 0 while it fails",
                               labels=["service"])
        up.add_metric([self.name], 0.0 if share >= 1.0 else 1.0)
        ratio = GaugeMetricFamily("drill_service_error_ratio", "The share of health requests failing now",
                                  labels=["service"])
        ratio.add_metric([self.name], share)
        return [up, ratio]

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class Fleet:
    """Every service of a scenario, serving on loopback and following its timeline.

    ``async with Fleet(scenario, clock=ScenarioClock(speed)) as fleet:`` starts them all; then
    ``fleet.endpoints()`` tells the cockpit what to poll. ``on_phase`` hears each phase change.
    A service on ``port = "auto"`` gets a free port (so drills and tests run side by side); one
    with a number listens on ``[scenario] base_port`` plus that offset, for a stable URL.
    """

    def __init__(self, scenario: Scenario, *, clock: ScenarioClock | None = None,
                 rng: random.Random | None = None,
                 on_phase: PhaseListener | None = None) -> None:
        self.scenario = scenario
        self.clock = clock or ScenarioClock()
        self.rng = rng or random.Random()
        self.on_phase = on_phase
        self.services: dict[str, SimulatedService] = {}
        self._timelines: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        base = self.scenario.scenario.base_port
        try:
            for spec in self.scenario.services:
                port = 0 if spec.port == "auto" else base + spec.port
                service = SimulatedService(spec, port, self.clock, self.rng)
                self.services[spec.name] = service
                await service.enter(service.phase)
        except BaseException:
            await self.close()
            raise
        self._timelines = [asyncio.create_task(self._follow(s), name=f"drill timeline {s.spec.name}")
                           for s in self.services.values()]

    async def _follow(self, service: SimulatedService) -> None:
        upcoming = [p for p in service.spec.phases if p.at.total_seconds() > service.started_at]
        for phase in upcoming:
            await self.clock.sleep_until(phase.at.total_seconds())
            await service.enter(phase)
            if self.on_phase:
                self.on_phase(service.spec.name, phase)

    def endpoints(self) -> list[EndpointConfig]:
        """The endpoints the cockpit polls: real URLs with the ports actually bound."""
        return [self.scenario.endpoint(s.spec, s.url) for s in self.services.values()]

    async def close(self) -> None:
        for task in self._timelines:
            task.cancel()
        await asyncio.gather(*self._timelines, return_exceptions=True)
        for service in self.services.values():
            await service.close()

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


# -- a minimal HTTP/1.1 ------------------------------------------------------------------------


class _BadRequest(Exception):
    pass


def _bound_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bool] | None:
    """(method, path, keep_alive) of the next request, or None when the client has gone."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _BadRequest from None
        return None
    except asyncio.LimitOverrunError:
        raise _BadRequest from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest
    method, path, version = parts
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise _BadRequest from None
    if not 0 <= length <= _MAX_BODY or "chunked" in headers.get("transfer-encoding", ""):
        raise _BadRequest
    if length:
        await reader.readexactly(length)
    connection = headers.get("connection", "")
    keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
    return method, path, keep_alive


async def _until_client_leaves(reader: asyncio.StreamReader) -> None:
    while await reader.read(4096):
        pass


def _response(status: int, body: dict[str, object] | bytes, *, head_only: bool = False,
              keep_alive: bool = True, content_type: str = "application/json") -> bytes:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    head = (f"HTTP/1.1 {status} {reason}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n").encode()
    return head if head_only else head + payload
