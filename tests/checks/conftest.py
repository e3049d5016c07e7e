"""Real servers on 127.0.0.1 for the checks beyond HTTP: TCP, TLS (certificates made here with
openssl, one CA trusted, one not), DNS (UDP and TCP, answering from a small zone), a
Prometheus-shaped HTTP API, and servers that drip-feed or stall."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from aiohttp import web

from cockpit.health.transport import make_client
from tests.health.conftest import serve, until

# -- plain TCP and stalling servers ------------------------------------------------------------


@dataclass
class Stall:
    """A server that accepts and then drips ``head`` + ``body`` a byte every ``pace`` seconds
    (or, with ``silent``, says nothing at all: a TLS handshake or a request then stalls)."""

    port: int = 0
    accepted: int = 0
    open: int = 0
    peak_open: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


async def _start(handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _stop(server: asyncio.Server, stall: Stall) -> None:
    server.close()
    for writer in stall.writers:
        writer.transport.abort()
    await server.wait_closed()


def _stalling(drip: bytes, *, at_once: bytes = b"", silent: bool = False, pace: float = 1.0):
    """A fixture: a server that reads a request, sends ``at_once``, then ``drip`` a byte every
    ``pace`` seconds; with ``silent`` it accepts and says nothing (a TLS handshake stalls)."""

    @pytest.fixture
    async def fixture():
        stall = Stall()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stall.accepted += 1
            stall.open += 1
            stall.peak_open = max(stall.peak_open, stall.open)
            stall.writers.append(writer)
            try:
                if silent:
                    await asyncio.Event().wait()
                await reader.readuntil(b"\r\n\r\n")
                writer.write(at_once)
                for i in range(len(drip)):
                    writer.write(drip[i:i + 1])
                    await writer.drain()
                    await asyncio.sleep(pace)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass  # the check gave up and closed: what a deadline does
            finally:
                stall.open -= 1

        server, stall.port = await _start(handle)
        yield stall
        await _stop(server, stall)

    return fixture


drip_headers = _stalling(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
"""The whole answer, headers first, a byte a second."""
drip_body = _stalling(b"x" * 100, at_once=b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
"""Headers at once, then a 100-byte body a byte a second."""
silent = _stalling(b"", silent=True)
"""Accepts, reads nothing, says nothing."""


@pytest.fixture
async def tcp_server():
    """A server that accepts and closes: ``[CONNECTED]`` is all a TCP check asks."""
    stall = Stall()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stall.accepted += 1
        writer.close()

    server, stall.port = await _start(handle)
    yield stall
    server.close()
    await server.wait_closed()


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on (connects are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- TLS ---------------------------------------------------------------------------------------


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def _authority(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 (valid 30 days) that it signed: ca, cert, key."""
    ca, ca_key = folder / f"{name}-ca.pem", folder / f"{name}-ca.key"
    cert, key, csr = folder / f"{name}.pem", folder / f"{name}.key", folder / f"{name}.csr"
    ext = folder / f"{name}.ext"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-days", "30", "-subj", f"/CN={name} test CA", "-keyout", ca_key,
             "-out", ca, "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                   "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
             "-days", "30", "-extfile", ext, "-out", cert)
    return ca, cert, key


@pytest.fixture(scope="session")
def authorities(tmp_path_factory) -> dict[str, tuple[Path, Path, Path]]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make test certificates")
    folder = tmp_path_factory.mktemp("tls")
    return {name: _authority(folder, name) for name in ("trusted", "stranger")}


@pytest.fixture
def trusting_client(authorities, monkeypatch):
    """A check client that trusts the "trusted" CA (through SSL_CERT_FILE, as a user would)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(authorities["trusted"][0]))
    return make_client()


async def _tls_server(cert: Path, key: Path) -> tuple[asyncio.Server, int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1]


@pytest.fixture
async def tls_servers(authorities):
    """Ports of a TLS server whose certificate the client trusts, and of one it does not."""
    started = {name: await _tls_server(cert, key) for name, (_, cert, key) in authorities.items()}
    yield {name: port for name, (_, port) in started.items()}
    for server, _ in started.values():
        server.close()


# -- DNS ---------------------------------------------------------------------------------------

ZONE = {
    "up.test.": [("A", "10.1.2.3"), ("AAAA", "2001:db8::7")],
    "alias.test.": [("CNAME", "up.test.")],
    "mail.test.": [("MX", "10 mx1.test.")],
    "big.test.": [("A", "10.9.9.9")],
}
"""``big.test.`` answers truncated over UDP: the full answer only comes over TCP."""


@dataclass
class DnsServer:
    port: int = 0
    questions: list[tuple[str, str, str]] = field(default_factory=list)  # (transport, name, type)


def _answer(server: DnsServer, wire: bytes, transport: str) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    name, kind = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
    server.questions.append((transport, name, kind))
    if name not in ZONE:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    if name == "big.test." and transport == "udp":
        response.flags |= dns.flags.TC
        return response.to_wire()
    while name in ZONE:
        records = ZONE[name]
        for record_type, value in records:
            if record_type in (kind, "CNAME"):
                response.answer.append(dns.rrset.from_text(name, 60, "IN", record_type, value))
        cname = next((v for t, v in records if t == "CNAME"), None)
        if cname is None or kind == "CNAME":
            break
        name = cname
    return response.to_wire()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.transport.sendto(_answer(self.server, data, "udp"), addr)


@pytest.fixture
async def dns_server():
    """A DNS server for ZONE on one loopback port, over UDP and TCP."""
    state = DnsServer()
    loop = asyncio.get_running_loop()

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = int.from_bytes(await reader.readexactly(2), "big")
        answer = _answer(state, await reader.readexactly(size), "tcp")
        writer.write(len(answer).to_bytes(2, "big") + answer)
        await writer.drain()
        writer.close()

    tcp_server = await asyncio.start_server(tcp, "127.0.0.1", 0)
    state.port = tcp_server.sockets[0].getsockname()[1]
    udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(state), local_addr=("127.0.0.1", state.port))
    yield state
    udp.close()
    tcp_server.close()


@pytest.fixture
async def silent_dns():
    """A UDP port that takes questions and never answers; its TCP twin refuses nothing either."""
    loop = asyncio.get_running_loop()
    udp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    yield udp.get_extra_info("sockname")[1]
    udp.close()


# -- a Prometheus-shaped HTTP API ---------------------------------------------------------------

SAMPLES = [{"metric": {"__name__": "up", "job": "api", "instance": "a:9100"}, "value": [1764640000.5, "1"]},
           {"metric": {"__name__": "up", "job": "api", "instance": "b:9100"}, "value": [1764640000.5, "0"]}]


@dataclass
class Prometheus:
    base: str = ""
    queries: list[str] = field(default_factory=list)
    authorization: list[str] = field(default_factory=list)


def _prometheus_app(state: Prometheus) -> web.Application:
    def error(status: int, kind: str, text: str) -> web.Response:
        return web.json_response({"status": "error", "errorType": kind, "error": text}, status=status)

    async def query(request: web.Request) -> web.StreamResponse:
        text = request.query.get("query", "")
        state.queries.append(text)
        state.authorization.append(request.headers.get("Authorization", ""))
        if text == "up":
            data = {"resultType": "vector", "result": SAMPLES}
        elif text == "absent_metric":
            data = {"resultType": "vector", "result": []}
        elif text == "scalar(42)":
            data = {"resultType": "scalar", "result": [1764640000.5, "42"]}
        elif text == "rate(x[5m])[10m:1m]":
            data = {"resultType": "matrix", "result": [{"metric": {"job": "api"},
                                                        "values": [[1764640000, "0.5"], [1764640060, "0.7"]]}]}
        elif text.startswith("echo:"):
            return error(422, "execution", f"cannot run {text} for {request.headers.get('Authorization')}")
        elif text == "slow_query":
            return error(503, "timeout", "query timed out in expression evaluation")
        else:
            return error(400, "bad_data", f'invalid parameter "query": 1:{len(text)}: parse error: '
                         "unclosed left parenthesis")
        return web.json_response({"status": "success", "data": data})

    async def not_prometheus(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html>login</html>", content_type="text/html", status=200)

    app = web.Application()
    app.router.add_get("/api/v1/query", query)
    app.router.add_get("/behind/proxy/api/v1/query", query)
    app.router.add_get("/not-prometheus/api/v1/query", not_prometheus)
    return app


@pytest.fixture
async def prometheus():
    state = Prometheus()
    runner, port = await serve(_prometheus_app(state))
    state.base = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
async def client():
    client = make_client()
    yield client
    await client.aclose()


@pytest.fixture
def wait_until():
    return until
