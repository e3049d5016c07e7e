"""Paging people and roles: PagerDuty, Opsgenie or the team's own command (``[paging]``).

:class:`Pager` sends one page with bounded retries and returns the ``page.sent`` to record,
delivered or failed, never raising: the screen runs it in the background (it awaits the network,
never blocks the loop) and ``cockpit page`` runs it to the end. What is retried: no answer, a
connection refused, 5xx and 429 (waiting what ``Retry-After`` asks, within reason); what is not:
an answer that says the page itself is wrong (400, 401, 403, 404, 422), a missing ``env:`` key.

One module per service: :mod:`cockpit.paging.pagerduty`, :mod:`cockpit.paging.opsgenie`,
:mod:`cockpit.paging.command`; :mod:`cockpit.paging.page` holds what they share.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx

from cockpit.domain import events as ev
from cockpit.domain.state import Page
from cockpit.paging import command, opsgenie, pagerduty
from cockpit.paging.page import Delivery, PageFailed, PageRequest, build_request, page_event
from cockpit.settings import Config, PagingSettings

__all__ = ["Pager", "PageRequest", "build_request", "pager_for"]

LONGEST_WAIT = 30.0
"""The most a retry waits, whatever a service's ``Retry-After`` asks: a page is urgent."""
SERVICE_NAMES = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "command": "the paging command"}


class Pager:
    """Sends pages through the one service ``[paging]`` chose."""

    def __init__(self, settings: PagingSettings, *, backoff: float = 1.0) -> None:
        if settings.chosen is None:
            raise ValueError("paging is not set up")
        self.settings = settings
        self.service: str = settings.chosen
        self.backoff = backoff
        """Seconds before the first retry, doubling after each (tests make it small)."""

    @property
    def name(self) -> str:
        """``PagerDuty``: the service, in words."""
        return SERVICE_NAMES[self.service]

    async def send(self, request: PageRequest) -> ev.PageSent:
        """The page, sent with retries: the ``page.sent`` to record, ``ok`` or not."""
        try:
            delivered, tries = await self._with_retries(request, acknowledge=False)
        except PageFailed as failed:
            return page_event(request, self.service, failure=failed.detail)
        if tries > 1:
            delivered = replace(delivered, detail=f"{delivered.detail} (after {tries} tries)")
        return page_event(request, self.service, delivered=delivered)

    def send_now(self, request: PageRequest) -> ev.PageSent:
        """:meth:`send`, for a command line with no event loop of its own."""
        return asyncio.run(self.send(request))

    async def acknowledge(self, page: Page, by: str) -> str | None:
        """Tell the service that ``page`` was answered, so it stops escalating; None when it
        took it, else why not."""
        request = PageRequest(page.handle or None, page.role or None, page.message, page.message, "",
                              "", "", "", by, page.dedup_key)
        try:
            await self._with_retries(request, acknowledge=True)
        except PageFailed as failed:
            return failed.detail
        return None

    async def _with_retries(self, request: PageRequest, *, acknowledge: bool) -> tuple[Delivery, int]:
        attempts = self.settings.attempts
        for attempt in range(1, attempts + 1):
            try:
                return await self._once(request, acknowledge=acknowledge), attempt
            except PageFailed as failed:
                if not failed.retry or attempt == attempts:
                    tries = f" (after {attempt} tries)" if attempt > 1 else ""
                    raise PageFailed(failed.detail + tries, retry=False) from None
                wait = failed.wait if failed.wait is not None else self.backoff * 2 ** (attempt - 1)
                await asyncio.sleep(min(wait, LONGEST_WAIT))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(self, request: PageRequest, *, acknowledge: bool) -> Delivery:
        settings = self.settings
        if self.service == "command":
            assert settings.command is not None
            if acknowledge:
                return await command.send(replace(request, summary="acknowledged"), settings.command,
                                          kind="acknowledge")
            return await command.send(request, settings.command)
        timeout = httpx.Timeout(settings.timeout.total_seconds())
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            if self.service == "pagerduty":
                assert settings.pagerduty is not None
                service = pagerduty
                options = settings.pagerduty
            else:
                assert settings.opsgenie is not None
                service = opsgenie  # type: ignore[assignment]
                options = settings.opsgenie  # type: ignore[assignment]
            if acknowledge:
                return await service.acknowledge(client, request, options)  # type: ignore[arg-type]
            return await service.send(client, request, options)  # type: ignore[arg-type]


def pager_for(config: Config, *, backoff: float = 1.0) -> Pager | None:
    """The pager of the config in force, or None when ``[paging]`` sets up no service."""
    if config.paging.chosen is None:
        return None
    return Pager(config.paging, backoff=backoff)
