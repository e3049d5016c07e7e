"""A real HTTP service on 127.0.0.1 in its own thread, for the receivers that stand in for SaaS.

The stand-ins for Slack, Teams, Statuspage, PagerDuty and Opsgenie differ in what they answer,
not in how they run: each subclass adds its routes, and this runs them on a free port until
``close``. Its own thread and event loop keep it answering while the code under test blocks.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web


class LoopbackService:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    def routes(self, app: web.Application) -> None:
        """Add the service's routes to ``app``."""
        raise NotImplementedError

    def start(self) -> LoopbackService:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        app = web.Application()
        self.routes(app)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.shutdown()
        await runner.cleanup()
