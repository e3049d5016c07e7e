"""Real update receivers on loopback: Slack and Teams webhooks, a generic webhook, Statuspage.

One aiohttp app on its own thread and loop, so the cockpit under test (in-process, or the real
program in tmux) reaches it over TCP as it would the real services. Each route checks requests as
the service documents them and answers as it does, recording what arrived:

- ``POST /services/T0/B0/TOKEN`` (a Slack incoming webhook; Mattermost takes the same): JSON
  with a non-empty ``text`` → ``200 ok``; no text or not JSON → ``400 invalid_payload``; another
  token → ``403 invalid_token``.
- ``POST /workflows/ID/triggers/manual/paths/invoke`` (a Teams workflow): a ``message`` whose
  attachments hold one ``application/vnd.microsoft.card.adaptive`` ``AdaptiveCard`` with a body
  → ``202`` and no body; anything else → ``400``.
- ``POST /hook`` (a generic receiver): any JSON object → ``200 {"ok": true}``; when a token is
  set, ``Authorization: Bearer TOKEN`` or ``401``.
- ``POST /v1/pages/PAGE/incidents`` and ``PATCH /v1/pages/PAGE/incidents/ID`` (Statuspage):
  ``Authorization: OAuth KEY`` or ``401 {"error": "Could not authenticate"}``; an unknown page or
  incident → ``404 {"error": "The requested resource could not be found."}``; an ``incident``
  without a name (create) or with an unknown status → ``422 {"error": ["…"]}``; ``201`` (create) or
  ``200`` (update) with the incident, ``id`` included.

``answer_next(service, (429, "rate_limited", {"Retry-After": "0"}), …)`` makes the next requests
answer so (a rate limit, an archived channel, an outage) before the service answers normally
again; ``hang(service)`` makes it accept requests and never answer.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.loopback import LoopbackService

SLACK_TOKEN = "xoxb-s3cr3t-token"
TEAMS_ID = "a1b2c3d4"
PAGE_ID = "kctbh9vrtdwd"
STATUSPAGE_KEY = "89a229ce1a8dbcf9ff30430fbe35eb4c0426574bca932061892cefd2138aa4b1"
STATUSES = {"investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress",
            "verifying", "completed"}

Answer = tuple[int, str, dict[str, str]]


@dataclass
class Received:
    service: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class Receivers(LoopbackService):
    """Every receiver on one port; ``url(service)`` says where each listens."""

    def __init__(self, *, webhook_token: str | None = None) -> None:
        super().__init__()
        self.webhook_token = webhook_token
        self.received: list[Received] = []
        self.incidents: dict[str, dict[str, Any]] = {}
        self._scripted: dict[str, deque[Answer]] = defaultdict(deque)
        self._hanging: set[str] = set()
        self._arrivals = threading.Condition()

    # -- driving it from a test ----------------------------------------------------------------

    def url(self, service: str, *, token: str = SLACK_TOKEN) -> str:
        path = {"slack": f"/services/T0/B0/{token}",
                "teams": f"/workflows/{TEAMS_ID}/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t",
                "webhook": "/hook", "statuspage": ""}[service]
        return f"http://127.0.0.1:{self.port}{path}"

    def answer_next(self, service: str, *answers: Answer | int) -> None:
        for answer in answers:
            self._scripted[service].append((answer, "", {}) if isinstance(answer, int) else answer)

    def hang(self, service: str, hanging: bool = True) -> None:
        (self._hanging.add if hanging else self._hanging.discard)(service)

    def of(self, service: str) -> list[Received]:
        return [r for r in self.received if r.service == service]

    def wait_for(self, service: str, count: int, timeout: float = 30) -> list[Received]:
        """Until ``count`` requests reached ``service`` (from any thread or process)."""
        with self._arrivals:
            if not self._arrivals.wait_for(lambda: len(self.of(service)) >= count, timeout):
                raise AssertionError(f"{service} got {len(self.of(service))} requests, not {count}")
        return self.of(service)

    # -- the services ----------------------------------------------------------------------------

    async def _arrived(self, service: str, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._arrivals:
            self.received.append(Received(service, request.method, request.path_qs,
                                          dict(request.headers), body))
            self._arrivals.notify_all()
        if service in self._hanging:
            await asyncio.Event().wait()  # accepted, never answered
        return body

    def _scripted_answer(self, service: str) -> web.Response | None:
        if not self._scripted[service]:
            return None
        status, text, headers = self._scripted[service].popleft()
        return web.Response(status=status, text=text, headers=headers)

    async def _slack(self, request: web.Request) -> web.Response:
        body = await self._arrived("slack", request)
        if (scripted := self._scripted_answer("slack")) is not None:
            return scripted
        if request.match_info["token"] != SLACK_TOKEN:
            return web.Response(status=403, text="invalid_token")
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
            return web.Response(status=400, text="invalid_payload")
        return web.Response(text="ok")

    async def _teams(self, request: web.Request) -> web.Response:
        body = await self._arrived("teams", request)
        if (scripted := self._scripted_answer("teams")) is not None:
            return scripted
        try:
            [attachment] = body["attachments"]
            card = attachment["content"]
            good = (body["type"] == "message"
                    and attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
                    and card["type"] == "AdaptiveCard" and card["body"])
        except (KeyError, TypeError, ValueError):
            good = False
        if request.match_info["id"] != TEAMS_ID or not good:
            return web.json_response({"error": {"code": "InvalidRequestContent"}}, status=400)
        return web.Response(status=202)

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await self._arrived("webhook", request)
        if (scripted := self._scripted_answer("webhook")) is not None:
            return scripted
        if self.webhook_token and request.headers.get("Authorization") != f"Bearer {self.webhook_token}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if not isinstance(body, dict):
            return web.json_response({"error": "expected a JSON object"}, status=400)
        return web.json_response({"ok": True})

    async def _statuspage(self, request: web.Request) -> web.Response:
        body = await self._arrived("statuspage", request)
        if (scripted := self._scripted_answer("statuspage")) is not None:
            return scripted
        if request.headers.get("Authorization") != f"OAuth {STATUSPAGE_KEY}":
            return web.json_response({"error": "Could not authenticate"}, status=401)
        missing = web.json_response({"error": "The requested resource could not be found."}, status=404)
        if request.match_info["page"] != PAGE_ID:
            return missing
        incident = body.get("incident") if isinstance(body, dict) else None
        if not isinstance(incident, dict):
            return web.json_response({"error": ["incident is missing"]}, status=422)
        if incident.get("status", "investigating") not in STATUSES:
            return web.json_response({"error": ["Status is not included in the list"]}, status=422)
        if request.method == "POST":
            if not incident.get("name"):
                return web.json_response({"error": ["Name can't be blank"]}, status=422)
            number = len(self.incidents) + 1
            ident = f"p31zjtct2j{number:02d}"
            self.incidents[ident] = {"id": ident, "page_id": PAGE_ID, "name": incident["name"],
                                     "status": incident.get("status", "investigating"),
                                     "incident_updates": [{"body": incident.get("body", "")}]}
            return web.json_response(self.incidents[ident], status=201)
        ident = request.match_info["id"]
        if ident not in self.incidents:
            return missing
        record = self.incidents[ident]
        record["status"] = incident.get("status", record["status"])
        record["incident_updates"].insert(0, {"body": incident.get("body", "")})
        return web.json_response(record)

    # -- serving ---------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/services/{team}/{bot}/{token}", self._slack)
        app.router.add_post("/workflows/{id}/triggers/manual/paths/invoke", self._teams)
        app.router.add_post("/hook", self._webhook)
        app.router.add_post("/v1/pages/{page}/incidents", self._statuspage)
        app.router.add_patch("/v1/pages/{page}/incidents/{id}", self._statuspage)
