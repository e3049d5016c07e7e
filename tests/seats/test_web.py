"""``cockpit web``: a read-only seat served to browsers on loopback."""

from __future__ import annotations

import asyncio
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from cockpit.ui.web import seat_command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, server: subprocess.Popen, timeout: float = 30.0) -> str:
    """The page, once the server answers (it is a fresh interpreter: give it time to start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no answer from {url}: {server.stderr.read().decode()}") from None
            time.sleep(0.1)


@pytest.fixture
def web(tmp_path):
    """Start ``cockpit web``; its console (where textual-serve logs) goes to ``proc.log``."""
    started = []

    def start(*args: str) -> subprocess.Popen:
        log = tmp_path / f"web-{len(started)}.log"
        with open(log, "wb") as console:
            proc = subprocess.Popen([sys.executable, "-m", "cockpit", "web", *args],
                                    stdout=console, stderr=subprocess.PIPE)
        proc.log = log  # type: ignore[attr-defined]
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=10)


def test_web_serves_the_incident_page_on_loopback(session_file, web):
    port = _free_port()
    server = web(str(session_file), "--port", str(port))
    page = _get(f"http://127.0.0.1:{port}/", server)
    assert "Cockpit · Checkout API returning 500s" in page
    assert f"ws://127.0.0.1:{port}/ws" in page  # the terminal streams from the same loopback port
    with pytest.raises(OSError):  # nothing listens beyond loopback
        socket.create_connection((_outward_address(), port), timeout=1).close()


def _outward_address() -> str:
    """This host's address on its default route (not loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
            address = probe.getsockname()[0]
        except OSError:
            pytest.skip("no network interface besides loopback")
    if address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    return address


def test_each_browser_tab_runs_a_quoted_read_only_wall_seat(tmp_path):
    path = str(tmp_path / "it's $(rm -rf ~) here.toml")
    words = shlex.split(seat_command(path))
    assert words == [sys.executable, "-m", "cockpit", "open", path, "--read-only", "--as", "wall"]


def test_a_title_with_markup_is_escaped_in_the_page(make_session, web):
    path = make_session(title="<script>alert(1)</script> checkout").path
    port = _free_port()
    page = _get(f"http://127.0.0.1:{port}/", web(str(path), "--port", str(port)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; checkout" in page


def test_busy_port_and_missing_session_are_clear_errors(session_file):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "cockpit", "web", str(session_file),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    missing = subprocess.run([sys.executable, "-m", "cockpit", "web", "nope.toml"],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no session file at nope.toml" in missing.stderr
    assert "Traceback" not in missing.stderr + done.stderr


async def test_a_browser_tab_gets_a_live_read_only_seat(session_file, web):
    """What a browser does: open the websocket; the terminal it is sent is the cockpit, read-only."""
    import aiohttp

    from cockpit.text import printable

    before = session_file.read_bytes()
    port = _free_port()
    server = web(str(session_file), "--port", str(port))
    _get(f"http://127.0.0.1:{port}/", server)
    screen = ""
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=160&height=48") as socket_:
            deadline = time.monotonic() + 30
            while "read-only seat" not in screen or "Checkout API returning 500s" not in screen:
                console = server.log.read_text(errors="replace")
                assert "failed to start" not in console, console
                assert time.monotonic() < deadline, f"no cockpit in the tab: {screen[-500:]!r}"
                try:
                    message = await socket_.receive(timeout=0.5)
                except TimeoutError:
                    continue
                assert message.type == aiohttp.WSMsgType.BINARY, message
                screen += printable(message.data.decode("utf-8", "replace"))
    server.terminate()
    assert await asyncio.to_thread(server.wait, 20) == 0
    assert session_file.read_bytes() == before  # a browser view came and went: nothing recorded


async def test_stopping_the_server_closes_open_tabs_at_once(session_file, web):
    """Ctrl+C / SIGTERM with a browser connected: textual-serve alone waits ~20 s for it."""
    import aiohttp

    port = _free_port()
    server = web(str(session_file), "--port", str(port))
    _get(f"http://127.0.0.1:{port}/", server)
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24") as tab:
            await tab.send_json(["ping", "1"])
            while (await tab.receive(timeout=20)).type != aiohttp.WSMsgType.TEXT:
                pass  # the server is handling this tab (it answered the ping)
            stopping = time.monotonic()
            server.terminate()
            while (await tab.receive(timeout=20)).type not in (
                    aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                pass  # a browser reads on until the server closes the socket
            assert await asyncio.to_thread(server.wait, 20) == 0
            assert time.monotonic() - stopping < 5
