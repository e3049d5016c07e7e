"""``cockpit web SESSION``: the incident on a wall display, in a browser, behind a locked door.

textual-serve runs one ``cockpit open SESSION --read-only --as wall`` process per browser tab and
streams it over a websocket, so every tab is an ordinary read-only seat that follows the file.
textual-serve alone serves anyone who can reach the port and any page that opens a socket to it;
the incident is not for them. So:

- **A token.** The command prints ``http://127.0.0.1:PORT/?token=…`` (``secrets.token_urlsafe``,
  new each run). Every request needs it: the page, the static files, downloads and the websocket.
  The first good request sets a cookie (``HttpOnly``, ``SameSite=Strict``, named after the port)
  so the page's own requests carry it, and the page drops the token from the address bar.
  Anything else gets 403 and one plain sentence. Tokens are compared with
  ``hmac.compare_digest``.
- **Only our own pages open a tab.** A websocket whose ``Origin`` is not the server's own origin
  (or that has none) is refused with 403 before any seat starts. On loopback the ``Host`` must
  be a loopback name too, which turns away DNS-rebinding pages.
- **Bounded.** At most ``--max-viewers`` tabs at once (default 8): the next one is refused (503)
  and starts nothing. A tab's screen is clamped to 20×10 … 300×100 cells, at the start and on
  every resize; a size that is not a whole number is refused (400).
- **Nothing leaves the machine.** Our own page (``web_assets/index.html``) loads textual-serve's
  bundled script, style sheet and Roboto Mono from this server (textual-serve's page fetches the
  font from Google), and a Content-Security-Policy keeps the page to this origin.
- **Nothing written.** The seats are read-only: they record nothing, and keep no theme choice
  (``CockpitApp`` remembers themes only on seats that may write).

A host other than loopback (``--host``) is allowed, with a warning: the incident is then
reachable from the network, over plain HTTP, by anyone given the link.

textual-serve starts the seat through a shell, so every part of the command is quoted.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import hmac
import ipaddress
import json
import logging
import re
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from cockpit.errors import RuntimeFailure, UsageError
from cockpit.paths import resolve_session
from cockpit.session import Session
from cockpit.text import printable

HOST = "127.0.0.1"
WALL_HANDLE = "wall"
MAX_VIEWERS = 8
"""Browser tabs served at once by default (``--max-viewers``): each one is a process."""
MIN_SIZE = (20, 10)
MAX_SIZE = (300, 100)
"""A tab's screen in cells (width, height), whatever its browser asks for."""
DEFAULT_SIZE = (80, 24)
FONT_SIZES = (8, 64)
TITLE_LIMIT = 120
MAX_MESSAGE = 64 * 1024
"""The largest websocket message a tab may send (keys, resizes, pings)."""
ASSETS = Path(__file__).with_name("web_assets")
FONT = "RobotoMono-VariableFont_wght.ttf"
ITALIC_FONT = "RobotoMono-Italic-VariableFont_wght.ttf"

log = logging.getLogger("cockpit.web")

_HOST_HEADER = re.compile(r"[a-z0-9.-]{1,253}(?::[0-9]{1,5})?|\[[0-9a-f:.]{2,45}\](?::[0-9]{1,5})?")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def seat_command(session_path: str) -> str:
    """The shell command textual-serve runs for each browser tab: a read-only seat."""
    return shlex.join([sys.executable, "-m", "cockpit", "open", session_path,
                       "--read-only", "--as", WALL_HANDLE])


# -- where to listen -------------------------------------------------------------------------


@dataclass(frozen=True)
class Listen:
    """The address to bind, as given, and what follows from it."""

    host: str
    url_host: str
    """The host as it goes in a URL (an IPv6 address in brackets)."""
    loopback: bool
    """Every address it stands for is this machine's loopback."""
    everywhere: bool = False
    """0.0.0.0 or ``::``: every interface."""


def listen_address(text: str) -> Listen:
    """``--host``: an IP address or a host name (which must resolve), nothing else."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is not None:
        url_host = f"[{address}]" if address.version == 6 else str(address)
        return Listen(str(address), url_host, address.is_loopback, address.is_unspecified)
    if not is_host_name(text):
        raise UsageError(f"--host {printable(text, one_line=True)!r} is not an IP address or a"
                         f" host name; give e.g. 127.0.0.1, ::1 or localhost")
    try:
        found = socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {text!r}: no such host ({getattr(exc, 'strerror', exc)})") from None
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in found}
    return Listen(text, text.lower(), bool(addresses) and all(a.is_loopback for a in addresses))


def is_host_name(text: str) -> bool:
    """A DNS name by RFC 1123: dot-separated labels of letters, digits and inner hyphens, at
    most 253 characters, the last label not all digits (that would be a broken address)."""
    labels = text.split(".")
    return (0 < len(text) <= 253 and all(_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit())


def clamped_size(width: object, height: object) -> tuple[int, int] | None:
    """A tab's screen size within bounds; None when either is not a whole number."""
    numbers = []
    for value in (width, height):
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit()):
                return None
            value = int(value) if len(value) <= 6 else MAX_SIZE[0]  # huge is clamped: no int()
        if not isinstance(value, int):
            return None
        numbers.append(value)
    return (min(max(numbers[0], MIN_SIZE[0]), MAX_SIZE[0]),
            min(max(numbers[1], MIN_SIZE[1]), MAX_SIZE[1]))


# -- the command -----------------------------------------------------------------------------


def run_web(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a TCP port (1-65535)")
    max_viewers = getattr(args, "max_viewers", MAX_VIEWERS)
    if max_viewers < 1:
        raise UsageError(f"--max-viewers {max_viewers}: give at least 1")
    listen = listen_address(getattr(args, "host", HOST))
    path = resolve_session(args.session)
    session = Session.open(path, read_only=True)  # a damaged file fails here, not in each tab
    title = page_title(session.state.title or session.name)
    session.close()
    _check_port_free(listen, args.port)

    server = WallServer(command=seat_command(str(path.resolve())), listen=listen, port=args.port,
                        title=title, max_viewers=max_viewers)
    if not listen.loopback:
        where = "every network interface" if listen.everywhere else listen.host
        elsewhere = (f" From another machine, put this machine's name or address in the link"
                     f" in place of {server.link_host}." if listen.everywhere else "")
        print(f"warning: listening on {where}: the incident is reachable from the network, over"
              f" plain HTTP (unencrypted), by anyone with the link below (the token is still"
              f" required). On a shared network prefer 127.0.0.1 and an SSH tunnel.{elsewhere}",
              file=sys.stderr)

    def ready() -> None:
        print(f"serving {printable(str(path), one_line=True)} read-only, to at most {max_viewers} browser tab"
              f"{'s' if max_viewers != 1 else ''} at once. Open this link (it holds the token;"
              f" share it only with the people who may see the incident):\n\n    {server.link}\n\n"
              f"Ctrl+C stops.", file=sys.stderr, flush=True)

    server.serve(ready=ready)
    return 0


def page_title(title: str) -> str:
    """``Cockpit · <incident title>``, one line of printable text (the template escapes HTML)."""
    text = printable(title, one_line=True)
    if len(text) > TITLE_LIMIT:
        text = text[:TITLE_LIMIT - 1].rstrip() + "…"
    return f"Cockpit · {text}"


def _check_port_free(listen: Listen, port: int) -> None:
    """A clear message now rather than an aiohttp traceback after the banner."""
    try:
        found = socket.getaddrinfo(listen.host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise RuntimeFailure(f"cannot listen on {listen.host}: {exc.strerror}") from None
    for family, kind, proto, _, address in found:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise RuntimeFailure(f"port {port} on {listen.host} is already in use;"
                                         f" pick another with --port") from None
                raise RuntimeFailure(f"cannot listen on {listen.host}:{port}:"
                                     f" {exc.strerror}") from None


# -- the server ------------------------------------------------------------------------------


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("ascii"))


def _refuse(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=f"cockpit web: {text}\n",
                        headers={"Cache-Control": "no-store"})


class _HideToken(logging.Filter):
    """The access log names each request; not with the token that opens the incident."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "…"), ()
        return True


class WallServer(Server):
    """textual-serve's server with the door locked (see the module's docstring), and made to
    close the open tabs when it stops.

    Left alone, Ctrl+C waits for every browser to hang up (about 20 s with a tab open); here the
    tabs' handlers are cancelled on shutdown, which closes their websockets and quits their seats.
    """

    def __init__(self, *, command: str, listen: Listen, port: int, title: str,
                 max_viewers: int = MAX_VIEWERS, token: str | None = None) -> None:
        super().__init__(command=command, host=listen.host, port=port, title=title,
                         templates_path=ASSETS)
        self.listen = listen
        self.token = token or secrets.token_urlsafe(32)
        self.max_viewers = max_viewers
        self.cookie = f"cockpit-web-{port}"  # cookies are per host, not per port
        self.link_host = listen.url_host
        if listen.everywhere:  # the link names this machine's loopback, which it serves too
            self.link_host = "[::1]" if ":" in listen.host else "127.0.0.1"
        origin = f"http://{self.link_host}" + ("" if port == 80 else f":{port}")
        self.link = f"{origin}/?token={self.token}"
        self.hosts = self._allowed_hosts()
        self._tabs: set[asyncio.Task[Any]] = set()

    def _allowed_hosts(self) -> frozenset[str] | None:
        """The Host headers a request may carry: loopback names on loopback (a page that rebinds
        its own name to 127.0.0.1 is turned away); any name when served to the network."""
        if not self.listen.loopback:
            return None
        names = {"127.0.0.1", "localhost", "[::1]", self.listen.url_host}
        hosts = {f"{name}:{self.port}" for name in names}
        if self.port == 80:
            hosts |= names
        return frozenset(hosts)

    # The app, its routes and the guard in front of all of them.

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(ASSETS), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """No token, no incident: the page, the static files, downloads and the websocket."""
        host = request.headers.get("Host", "").lower()
        if not _HOST_HEADER.fullmatch(host) or (self.hosts is not None and host not in self.hosts):
            log.warning("refused a request for host %r", printable(host, one_line=True)[:100])
            return _refuse(403, "this server answers only to the address in its link.")
        offered = request.query.get("token")
        by_link = offered is not None and _same(offered, self.token)
        cookie = request.cookies.get(self.cookie)
        if not (by_link or (cookie is not None and _same(cookie, self.token))):
            return _refuse(403, "this needs the link with its token, as cockpit web printed it.")
        response = await handler(request)
        if not response.prepared:  # a websocket has sent its headers already
            if by_link and cookie != self.token:
                response.set_cookie(self.cookie, self.token, path="/", httponly=True,
                                    samesite="Strict")
            self._lock_down(response, host)
        return response

    def _lock_down(self, response: web.StreamResponse, host: str) -> None:
        """The page may load from this server only, and no other page may frame it."""
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
            " img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self' ws://{host}; frame-ancestors 'none'; base-uri 'none';"
            " form-action 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")

    def serve(self, debug: bool = False, *, ready: Callable[[], None] | None = None) -> None:
        """textual-serve's ``serve``, but ``ready`` is called once the port listens (so the link
        is printed when it works), the access log hides the token, and a port taken meanwhile
        is a clear error."""
        self.debug = debug
        self.initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_HideToken(self.token))
        loop = asyncio.new_event_loop()
        loop.add_signal_handler(signal.SIGINT, self.request_exit)
        loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        loop=loop, print=lambda *_: ready() if ready else None)
        except OSError as exc:
            raise RuntimeFailure(f"cannot listen on {self.listen.host}:{self.port}:"
                                 f" {exc.strerror or exc}") from None

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: the command printed the link (textual-serve's banner would name a URL without
        the token)."""

    async def on_shutdown(self, app: web.Application) -> None:
        for task in list(self._tabs):
            task.cancel()

    # The page.

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        host = request.headers.get("Host", "").lower()
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        fonts = self.statics_path / "fonts"
        context = {
            "title": self.title,
            "static": "/static/",
            "websocket_url": f"ws://{host}/ws",  # the origin the page came from: its cookie
            "font_size": min(max(font_size, FONT_SIZES[0]), FONT_SIZES[1]),
            "font": FONT if (fonts / FONT).is_file() else None,
            "italic_font": ITALIC_FONT if (fonts / ITALIC_FONT).is_file() else None,
            "max_viewers": self.max_viewers,
        }
        return aiohttp_jinja2.render_template("index.html", request, context)

    # A tab.

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Why this websocket may not have a seat, as the response; None when it may."""
        origin = request.headers.get("Origin")
        own = f"http://{request.headers.get('Host', '').lower()}"
        if origin is None or origin.lower() != own:
            log.warning("refused a websocket from origin %r",
                        printable(origin or "(none)", one_line=True)[:100])
            return _refuse(403, "the incident is shown only in the page this server serves.")
        if not web.WebSocketResponse().can_prepare(request).ok:
            return _refuse(400, "this address is for the page's websocket.")
        if len(self._tabs) >= self.max_viewers:
            log.warning("refused a viewer: %d already watching", len(self._tabs))
            return _refuse(503, f"{self.max_viewers} viewers are watching already, the most this"
                                f" server allows (cockpit web --max-viewers); close a tab first.")
        return None

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """A seat for one tab, once the tab may have one; nothing is started for a refused one."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        size = clamped_size(request.query.get("width", str(DEFAULT_SIZE[0])),
                            request.query.get("height", str(DEFAULT_SIZE[1])))
        if size is None:
            return _refuse(400, "width and height are whole numbers of cells.")
        task = asyncio.current_task()
        assert task is not None
        self._tabs.add(task)  # counted before the first await: tabs arriving together count too
        try:
            return await self._serve_tab(request, *size)
        finally:
            self._tabs.discard(task)

    async def _serve_tab(self, request: web.Request, width: int, height: int) -> web.StreamResponse:
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(self.command, write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,
                                     download_manager=self.download_manager, debug=self.debug)
            await app_service.start(width, height)
            await self._process_messages(websocket, app_service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # noqa: BLE001 - one tab's failure must not stop the server
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse,
                                app_service: AppService) -> None:
        """The browser's messages: keys, resizes (clamped), pings, focus. Others are ignored."""
        size: tuple[int, int] | None = None
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                asked = clamped_size(data.get("width"), data.get("height"))
                if asked is not None and asked != size:  # a repaint each, so only changes
                    size = asked
                    await app_service.set_terminal_size(*size)
            elif kind == "ping" and isinstance(data, (str, int, float)):
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()
