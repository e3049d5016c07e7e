"""``cockpit web``: a read-only seat served to browsers, behind a token, and nothing more.

The server runs as a real process on a free loopback port; the tests are what a browser (or an
attacker's page, or another local user) would do: plain requests and aiohttp websockets. The
seats a server started are found among its descendants in ``/proc``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import select
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

from cockpit.errors import UsageError
from cockpit.text import printable
from cockpit.ui.web import clamped_size, listen_address, seat_command

TITLE = "Checkout API returning 500s"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class WebServer:
    proc: subprocess.Popen
    log: Path
    """Its console, where textual-serve logs (and the seats' stderr goes)."""
    stderr: str
    """What it said before it listened: warnings, then the link."""
    link: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.link)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str:
        return self.link.split("?token=", 1)[1]

    @property
    def ws(self) -> str:
        return "ws" + self.origin.removeprefix("http") + "/ws"

    def seats(self) -> list[int]:
        """The seat processes (``cockpit open … --read-only``) running under this server."""
        return [pid for pid in _descendants(self.proc.pid)
                if "--read-only" in _argv(pid) and "open" in _argv(pid)]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def _read_until_link(proc: subprocess.Popen, timeout: float) -> str:
    """stderr up to the line with the link, with a deadline (no busy wait: select)."""
    deadline = time.monotonic() + timeout
    text = b""
    fd = proc.stderr.fileno()
    while not re.search(rb"\?token=\S+\n", text):
        readable, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(fd, 65536) if readable else b""
        if not chunk:
            raise AssertionError(f"no link from cockpit web within {timeout}s"
                                 f" (exit {proc.poll()}): {text.decode(errors='replace')}")
        text += chunk
    return text.decode()


@pytest.fixture
def web(tmp_path):
    """Start ``cockpit web``; the link is printed once the port listens."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> WebServer:
        log = tmp_path / f"web-{len(started)}.log"
        with open(log, "wb") as console:
            proc = subprocess.Popen([sys.executable, "-m", "cockpit", "web", *args],
                                    stdout=console, stderr=subprocess.PIPE)
        started.append(proc)
        said = _read_until_link(proc, timeout=60)
        link = re.search(r"http://\S+\?token=\S+", said).group()
        return WebServer(proc, log, said, link)

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stderr.close()


def _browser() -> aiohttp.ClientSession:
    """A client that keeps cookies for an IP address, as a browser does."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _upgrade(client: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, str]:
    """A websocket handshake by hand, to read the status and text of a refusal."""
    key = base64.b64encode(os.urandom(16)).decode()
    async with client.get(url, headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key,
                                        **headers}) as response:
        return response.status, await response.text()


async def _screen_until(tab: aiohttp.ClientWebSocketResponse, done: Callable[[str], bool],
                        server: WebServer, timeout: float = 60,
                        frame: Callable[[str], bool] | None = None) -> str:
    """What the tab streams, until ``done(screen)`` (or ``frame(message)`` for one message);
    fails at the deadline."""
    deadline = time.monotonic() + timeout
    screen = ""
    while not done(screen):
        left = deadline - time.monotonic()
        console = server.log.read_text(errors="replace")
        assert "failed to start" not in console, console
        assert left > 0, f"not on the tab within {timeout}s: {printable(screen[-800:])!r}"
        try:
            message = await tab.receive(timeout=min(left, 1))
        except TimeoutError:
            continue
        assert message.type == aiohttp.WSMsgType.BINARY, message
        text = message.data.decode("utf-8", "replace")
        screen += text
        if frame is not None and frame(text):
            break
    return screen


async def _await_condition(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        await asyncio.sleep(0.05)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b"<dir>"
            for path in sorted(folder.rglob("*"))} if folder.exists() else {}


# -- the page --------------------------------------------------------------------------------


async def test_the_link_opens_the_page_and_nothing_in_it_leaves_the_machine(session_file, web):
    server = web(str(session_file), "--port", str(_free_port()))
    assert server.origin.startswith("http://127.0.0.1:")
    assert len(server.token) >= 40
    async with _browser() as browser:
        async with browser.get(server.link) as response:
            assert response.status == 200
            page = await response.text()
            assert "HttpOnly" in response.headers["Set-Cookie"]
            assert "SameSite=Strict" in response.headers["Set-Cookie"]
            policy = response.headers["Content-Security-Policy"]
        assert f"<title>Cockpit · {TITLE}</title>" in page
        assert f'data-session-websocket-url="{server.ws}"' in page
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy

        references = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'url\("?([^")]+)', page)
        assert any(ref.endswith(".ttf") for ref in references)  # the font is ours, not Google's
        served = {"page": page}
        for reference in references:
            async with browser.get(urljoin(server.link, reference)) as response:
                assert response.status == 200, reference  # each through the cookie, not the link
                if reference.endswith((".css", ".js")):
                    served[reference] = await response.text()
    for name, text in served.items():
        if name.endswith(".css"):  # xterm.css's licence comment names its authors' sites
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        elsewhere = [url for url in re.findall(r"https?://[^\s\"'()<>]+", text)
                     if urlsplit(url).netloc != urlsplit(server.origin).netloc]
        assert not elsewhere, f"{name} refers to other hosts: {elsewhere}"
        assert not re.search(r"""(?:src|href)=["']//|url\(["']?//|@import""", text), name

    with pytest.raises(OSError):  # nothing listens beyond loopback
        socket.create_connection((_outward_address(), urlsplit(server.link).port), timeout=1).close()


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


async def test_a_title_with_markup_is_escaped_in_the_page(make_session, web):
    path = make_session(title="<script>alert(1)</script> checkout\x1b]0;pwned\x07").path
    server = web(str(path), "--port", str(_free_port()))
    async with _browser() as browser, browser.get(server.link) as response:
        page = await response.text()
    assert "<script>alert(1)</script>" not in page
    assert "<title>Cockpit · &lt;script&gt;alert(1)&lt;/script&gt; checkout</title>" in page


# -- the locked door -------------------------------------------------------------------------


async def test_without_the_right_token_nothing_is_served(session_file, web):
    server = web(str(session_file), "--port", str(_free_port()))
    wrong = server.token[:-1] + ("A" if server.token[-1] != "A" else "B")
    base = server.origin
    async with aiohttp.ClientSession() as stranger:
        for query in ("", "?token=", f"?token={wrong}", f"?token={server.token[:10]}",
                      "?token=%C3%A9t%C3%A9", f"?tokens={server.token}"):
            for path in ("/", "/static/js/textual.js", "/static/css/xterm.css",
                         "/static/fonts/RobotoMono-VariableFont_wght.ttf", "/download/x"):
                async with stranger.get(base + path + query) as response:
                    assert response.status == 403, (path, query)
                    assert "needs the link with its token" in await response.text()
            status, text = await _upgrade(stranger, server.ws + query, Origin=base)
            assert status == 403 and "token" in text, query
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await stranger.ws_connect(server.ws + query, origin=base)
            assert refused.value.status == 403
        cookie = f"cockpit-web-{urlsplit(base).port}"
        for value in (wrong, ""):  # a forged cookie is no better
            async with stranger.get(base + "/", cookies={cookie: value}) as response:
                assert response.status == 403
        async with stranger.get(base + "/", cookies={"cockpit-web-1": server.token}) as response:
            assert response.status == 403  # nor another port's server's
    assert server.seats() == []


async def test_a_page_from_elsewhere_gets_no_seat(session_file, web):
    """Any page in the operator's browser can open a websocket to loopback; only ours may."""
    server = web(str(session_file), "--port", str(_free_port()))
    port = urlsplit(server.origin).port
    async with _browser() as browser:
        async with browser.get(server.link) as response:
            assert response.status == 200  # the cookie is set: the browser is the operator's
        for origin in ("http://evil.example", f"http://evil.example:{port}", "null",
                       f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}"):
            status, text = await _upgrade(browser, server.ws, Origin=origin)
            assert status == 403, origin
            assert "only in the page this server serves" in text
        status, _ = await _upgrade(browser, server.ws)  # a client that sends no Origin at all
        assert status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await browser.ws_connect(server.ws, origin="http://evil.example")
        assert refused.value.status == 403
        # DNS rebinding: a page whose own name now points at 127.0.0.1, the token in hand even
        rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
        status, _ = await _upgrade(browser, f"{server.ws}?token={server.token}", **rebound)
        assert status == 403
        async with browser.get(server.link, headers={"Host": f"evil.example:{port}"}) as response:
            assert response.status == 403
    assert server.seats() == []  # refused before any seat process started
    assert "refused a websocket from origin 'http://evil.example'" in server.log.read_text()


async def test_the_ninth_viewer_is_refused_and_starts_nothing(session_file, web):
    server = web(str(session_file), "--port", str(_free_port()))
    async with _browser() as browser:
        async with browser.get(server.link):
            pass
        tabs = [await browser.ws_connect(f"{server.ws}?width=80&height=24", origin=server.origin)
                for _ in range(8)]
        await _await_condition(lambda: len(server.seats()) == 8, "eight seats running")
        status, text = await _upgrade(browser, f"{server.ws}?width=80&height=24", Origin=server.origin)
        assert status == 503
        assert "8 viewers are watching already" in text and "--max-viewers" in text
        assert len(server.seats()) == 8

        await tabs.pop().close()  # one tab goes: its place is free once its seat has quit
        await _await_condition(lambda: len(server.seats()) == 7, "the closed tab's seat gone")
        tabs.append(await _connect_when_free(browser, server))
        await _screen_until(tabs[-1], lambda screen: TITLE in screen, server)
        for tab in tabs:
            await tab.close()
    await _await_condition(lambda: server.seats() == [], "every seat gone with its tab")


async def _connect_when_free(browser: aiohttp.ClientSession,
                             server: WebServer) -> aiohttp.ClientWebSocketResponse:
    """The place frees when the handler ends, a moment after its seat process has gone."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await browser.ws_connect(f"{server.ws}?width=80&height=24", origin=server.origin)
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 503 and time.monotonic() < deadline, refused
            await asyncio.sleep(0.05)


async def test_a_huge_screen_is_clamped_and_a_bad_size_refused(session_file, web):
    """One tab asking for 5000×2000 cells pinned a core; now it gets 300×100 at most."""
    server = web(str(session_file), "--port", str(_free_port()), "--max-viewers", "1")
    async with _browser() as browser:
        async with browser.get(server.link):
            pass
        for size in ("width=abc&height=24", "width=80&height=-3", "width=1e9&height=24",
                     "width=80&height=2%2E5", "width=&height=24"):
            status, text = await _upgrade(browser, f"{server.ws}?{size}", Origin=server.origin)
            assert status == 400, size
            assert "whole numbers" in text
        assert server.seats() == []

        async with browser.ws_connect(f"{server.ws}?width=5000&height=2000", origin=server.origin) as tab:
            screen = await _screen_until(tab, lambda screen: TITLE in screen, server)
            [seat] = server.seats()
            environment = _environment(seat)
            assert (environment["COLUMNS"], environment["ROWS"]) == ("300", "100")
            await tab.send_json(["resize", {"width": "x", "height": None}])  # ignored
            await tab.send_json(["resize", {"width": 4, "height": 2}])  # 20×10, the least
            screen += await _screen_until(tab, lambda _: False, server, frame=_frame_of(10))
            await tab.send_json(["resize", {"width": 5000, "height": 2000}])  # 300×100 again
            screen += await _screen_until(tab, lambda _: False, server, frame=_frame_of(100))
        assert max(_rows(screen)) == 100 and max(_columns(screen)) <= 300  # never 5000×2000
    assert clamped_size("5000", "2000") == (300, 100)
    assert clamped_size("1", "1") == (20, 10)
    assert clamped_size("9" * 5000, "24") == (300, 24)
    for bad in (("abc", "24"), ("-5", "24"), ("１２０", "24"), (True, 24), (1.5, 24), (None, 24)):
        assert clamped_size(*bad) is None, bad


def _frame_of(rows: int) -> Callable[[str], bool]:
    """A message that repaints a whole screen of ``rows`` lines."""
    return lambda text: "\x1b[1;1H" in text and f"\x1b[{rows};1H" in text and max(_rows(text)) == rows


def _rows(screen: str) -> list[int]:
    return [int(row) for row, _ in re.findall(r"\x1b\[(\d+);(\d+)H", screen)]


def _columns(screen: str) -> list[int]:
    return [int(column) for _, column in re.findall(r"\x1b\[(\d+);(\d+)H", screen)]


# -- the seat behind a tab -------------------------------------------------------------------


async def test_a_browser_tab_gets_a_live_read_only_seat_that_writes_nothing(
        session_file, web, isolated_dirs):
    """The right link and origin: the cockpit streams, read-only. When the tab has come and gone
    (and tried the palette's theme switch, which used to write ui.toml), nothing is written."""
    config_dir, data_dir = isolated_dirs / "xdg-config", isolated_dirs / "xdg-data"
    config_before, data_before = _tree(config_dir), _tree(data_dir)
    before = session_file.read_bytes()
    server = web(str(session_file), "--port", str(_free_port()))
    async with _browser() as browser:
        async with browser.get(server.link) as response:
            assert response.status == 200
        async with browser.ws_connect(f"{server.ws}?width=160&height=48", origin=server.origin) as tab:
            await _screen_until(tab, lambda s: "read-only seat" in printable(s) and TITLE in s, server)
            await _press_until(tab, "\x10", "Search for commands", server)  # ctrl+p: the palette
            await tab.send_json(["stdin", "theme"])
            await _screen_until(tab, lambda s: "Change the current theme" in printable(s), server)
            await tab.send_json(["stdin", "\r"])
            await _screen_until(tab, lambda s: "Search for themes" in printable(s), server)
            await tab.send_json(["stdin", "high"])  # the cockpit's own themes only
            await _screen_until(tab, lambda s: "high-contrast" in printable(s), server)
            await tab.send_json(["stdin", "\r"])  # chosen: this tab is on pure black now
            await _screen_until(tab, lambda _: False, server, frame=lambda text: (
                "read-only seat" in printable(text) and "48;2;0;0;0m" in text))
    await _await_condition(lambda: server.seats() == [], "the tab's seat gone")
    server.proc.terminate()
    assert await asyncio.to_thread(server.proc.wait, 20) == 0
    assert session_file.read_bytes() == before  # a browser view came and went: nothing recorded
    assert _tree(config_dir) == config_before  # no ui.toml, nothing in the user config folder
    assert _tree(data_dir) == data_before
    assert server.token not in server.log.read_text()  # the access log names no token


async def _press_until(tab: aiohttp.ClientWebSocketResponse, key: str, shown: str,
                       server: WebServer, timeout: float = 60) -> None:
    """Press ``key`` until ``shown`` is on the tab: keys pressed while the incident is still
    opening are held and then dropped, and the footer shows a moment before that ends."""
    deadline = time.monotonic() + timeout
    while True:
        await tab.send_json(["stdin", key])
        try:
            await _screen_until(tab, lambda s: shown in printable(s), server,
                                timeout=min(5, deadline - time.monotonic()))
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise


async def test_stopping_the_server_closes_open_tabs_at_once(session_file, web):
    """Ctrl+C / SIGTERM with a browser connected: textual-serve alone waits ~20 s for it. The
    deadline for the close is half that: it tells the two apart however busy the machine, as
    closing a socket takes milliseconds."""
    server = web(str(session_file), "--port", str(_free_port()))
    async with _browser() as browser:
        async with browser.get(server.link):
            pass
        async with browser.ws_connect(f"{server.ws}?width=80&height=24", origin=server.origin) as tab:
            await tab.send_json(["ping", "1"])
            while (await tab.receive(timeout=60)).type != aiohttp.WSMsgType.TEXT:
                pass  # the server is handling this tab (it answered the ping)
            server.proc.terminate()
            closed = time.monotonic() + 10
            while (await tab.receive(timeout=max(closed - time.monotonic(), 0.01))).type not in (
                    aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                pass  # a browser reads on until the server closes the socket
            assert await asyncio.to_thread(server.proc.wait, 60) == 0


def test_each_browser_tab_runs_a_quoted_read_only_wall_seat(tmp_path):
    path = str(tmp_path / "it's $(rm -rf ~) here.toml")
    words = shlex.split(seat_command(path))
    assert words == [sys.executable, "-m", "cockpit", "open", path, "--read-only", "--as", "wall"]


# -- where it listens ------------------------------------------------------------------------


def test_host_is_an_address_or_a_host_name():
    assert listen_address("127.0.0.1").loopback
    assert listen_address("::1").url_host == "[::1]" and listen_address("::1").loopback
    assert listen_address("localhost").loopback
    everywhere = listen_address("0.0.0.0")
    assert not everywhere.loopback and everywhere.everywhere
    assert not listen_address("192.0.2.7").loopback
    for bad in ("", "evil host", "http://127.0.0.1", "127.0.0.1:80", "-x.example", "a..b",
                "999.1.1.1", "x" * 300, "host/path", "ex\x1bample", "[::1]"):
        with pytest.raises(UsageError):
            listen_address(bad)


async def test_another_host_is_reachable_with_a_warning_and_still_locked(session_file, web):
    address = _outward_address()
    server = web(str(session_file), "--host", address, "--port", str(_free_port()))
    assert "warning" in server.stderr and "reachable from the network" in server.stderr
    assert "token is still required" in server.stderr
    assert server.origin.startswith(f"http://{address}:")
    async with aiohttp.ClientSession() as stranger:
        async with stranger.get(server.origin + "/") as response:
            assert response.status == 403
    async with _browser() as browser, browser.get(server.link) as response:
        assert response.status == 200
        assert f'data-session-websocket-url="{server.ws}"' in await response.text()


def test_bad_options_busy_port_and_missing_session_are_clear_errors(session_file):
    def web(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cockpit", "web", *args],
                              capture_output=True, text=True, timeout=60)

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = web(str(session_file), "--port", str(port))
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    missing = web("nope.toml")
    assert missing.returncode == 2 and "no session file at nope.toml" in missing.stderr
    host = web(str(session_file), "--host", "http://evil.example")
    assert host.returncode == 2 and "is not an IP address or a host name" in host.stderr
    viewers = web(str(session_file), "--max-viewers", "0")
    assert viewers.returncode == 2 and "--max-viewers 0" in viewers.stderr
    for result in (done, missing, host, viewers):
        assert "Traceback" not in result.stderr and "token=" not in result.stderr
