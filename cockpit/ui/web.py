"""``cockpit web SESSION [--port P]``: the incident on a wall display, in a browser.

textual-serve runs one ``cockpit open SESSION --read-only --as wall`` process per browser tab and
streams it over a websocket, so every tab is an ordinary read-only seat that follows the file.
It is served on 127.0.0.1 only: the page offers no login, so reaching it from elsewhere is left
to an SSH tunnel (``ssh -L 8000:127.0.0.1:8000 host``) rather than an open port.

textual-serve starts the seat through a shell, so every part of the command is quoted.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import shlex
import socket
import sys
from typing import Any

from cockpit.errors import RuntimeFailure, UsageError
from cockpit.paths import resolve_session
from cockpit.session import Session
from cockpit.text import printable

HOST = "127.0.0.1"
WALL_HANDLE = "wall"


def seat_command(session_path: str) -> str:
    """The shell command textual-serve runs for each browser tab: a read-only seat."""
    return shlex.join([sys.executable, "-m", "cockpit", "open", session_path,
                       "--read-only", "--as", WALL_HANDLE])


def run_web(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a TCP port (1-65535)")
    path = resolve_session(args.session)
    session = Session.open(path, read_only=True)  # a damaged file fails here, not in each tab
    title = f"Cockpit · {printable(session.state.title or session.name, one_line=True)}"
    session.close()
    _check_port_free(args.port)

    server = _wall_server(command=seat_command(str(path.resolve())), host=HOST, port=args.port,
                          title=title)
    print(f"serving {path} read-only on http://{HOST}:{args.port} (Ctrl+C stops)", file=sys.stderr)
    server.serve()
    return 0


def _wall_server(**kwargs: Any) -> Any:
    """textual-serve's Server, made to close the open tabs when it stops.

    Left alone, Ctrl+C waits for every browser to hang up (about 20 s with a tab open); here the
    tabs' handlers are cancelled on shutdown, which closes their websockets and quits their seats.
    """
    from textual_serve.server import Server

    class WallServer(Server):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self._tabs: set[asyncio.Task[Any]] = set()

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._tabs.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self._tabs.discard(task)

        async def on_shutdown(self, app: Any) -> None:
            for task in list(self._tabs):
                task.cancel()

    return WallServer(**kwargs)


def _check_port_free(port: int) -> None:
    """A clear message now rather than an aiohttp traceback after the banner."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise RuntimeFailure(f"port {port} on {HOST} is already in use;"
                                     f" pick another with --port") from None
            raise RuntimeFailure(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
