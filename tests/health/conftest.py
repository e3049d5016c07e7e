"""A real HTTP server on 127.0.0.1 whose routes misbehave in known ways, for the health tests."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import struct
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from cockpit.settings import EndpointConfig

HEALTHY = {"status": "ok", "data": [{"status": "up", "id": 1}], "items": [1, 2, 3],
           "name": "web-7", "version": "5m", "errors": None, "ratio": 0.5, "ready": True}


@dataclass
class Fleet:
    """The server's address and what it saw; ``mode`` switches what ``/switch`` does."""

    base: str = ""
    mode: str = "ok"
    hits: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    authorization: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def endpoint(self, name: str, path: str, **fields) -> EndpointConfig:
        return EndpointConfig(name=name, url=self.url(path), **fields)


def _routes(fleet: Fleet) -> web.Application:
    forever = asyncio.Event()

    async def ok(request: web.Request) -> web.StreamResponse:
        return web.json_response(HEALTHY)

    async def status(request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "failing"}, status=int(request.match_info["code"]))

    async def slow(request: web.Request) -> web.StreamResponse:
        fleet.in_flight += 1
        fleet.peak_in_flight = max(fleet.peak_in_flight, fleet.in_flight)
        try:
            await asyncio.sleep(int(request.match_info["ms"]) / 1000)
        finally:
            fleet.in_flight -= 1
        return web.json_response(HEALTHY)

    async def hang(request: web.Request) -> web.StreamResponse:
        await forever.wait()
        raise AssertionError("never answered")

    async def listing(request: web.Request) -> web.StreamResponse:
        return web.json_response([{"id": 1, "status": "up"}, {"id": 2, "status": "down"}])

    async def text(request: web.Request) -> web.StreamResponse:
        return web.Response(text="plain text, not JSON")

    async def hostile(request: web.Request) -> web.StreamResponse:
        return web.Response(text="\x1b]0;owned\x07\x1b[2J\x1b[31mred alert\x1b[0m\r\n\x9b31m",
                            content_type="text/plain")

    async def big(request: web.Request) -> web.StreamResponse:
        return web.json_response({"pad": "x" * 200_000, "status": "ok"})

    async def reset(request: web.Request) -> web.StreamResponse:
        sock = request.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.transport.close()
        await forever.wait()
        raise AssertionError("never answered")

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        while True:
            await response.write(b" ")
            await asyncio.sleep(0.05)

    async def echo_auth(request: web.Request) -> web.StreamResponse:
        seen = request.headers.get("Authorization", "")
        fleet.authorization.append(seen)
        token = seen.split()[-1] if seen else ""
        return web.Response(text=f"you sent {seen}; token {token}")  # a careless service echoing a secret

    async def switch(request: web.Request) -> web.StreamResponse:
        if fleet.mode == "hang":
            await forever.wait()
        if fleet.mode == "fail":
            return web.json_response({"status": "failing"}, status=503)
        return web.json_response(HEALTHY)

    async def count(request: web.Request) -> web.StreamResponse:
        fleet.hits += 1
        return web.json_response(HEALTHY)

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/slow/{ms}", slow)
    app.router.add_get("/hang", hang)
    app.router.add_get("/text", text)
    app.router.add_get("/list", listing)
    app.router.add_get("/hostile", hostile)
    app.router.add_get("/big", big)
    app.router.add_get("/reset", reset)
    app.router.add_get("/trickle", trickle)
    app.router.add_get("/echo-auth", echo_auth)
    app.router.add_get("/switch", switch)
    app.router.add_get("/count", count)
    app.on_shutdown.append(lambda _app: _release(forever))
    return app


async def _release(forever: asyncio.Event) -> None:
    forever.set()


async def serve(app: web.Application, **ssl_options) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, **ssl_options)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


@pytest.fixture
async def fleet():
    state = Fleet()
    app = _routes(state)

    runner, port = await serve(app)
    state.base = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
async def tls_url(tmp_path, monkeypatch):
    """An https server on 127.0.0.1 with a self-signed certificate valid 30 days, trusted by the
    checks through SSL_CERT_FILE."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def ok(request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/", ok)
    runner, port = await serve(app, ssl_context=context)
    yield f"https://127.0.0.1:{port}/"
    await runner.cleanup()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/healthz"


async def until(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    """Wait for time-driven work (checks on a cadence) to reach a state, or fail the test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_until():
    return until
