"""Real pager services on loopback: PagerDuty's Events API v2 and Opsgenie's alert API.

One aiohttp app, on its own thread and event loop so that the cockpit under test (in-process, a
``cockpit page`` subprocess or a screen in tmux) reaches it over TCP like the real thing. It
checks each request as the service documents it and answers as the service does, errors and
rate limits included, recording what arrived:

- ``POST /v2/enqueue`` (PagerDuty): JSON with a 32-character ``routing_key``, ``event_action``
  trigger | acknowledge | resolve, ``dedup_key`` (at most 255), and for a trigger a ``payload``
  with ``summary``, ``source`` and ``severity`` (critical, error, warning, info) → ``202
  {"status": "success", "message": "Event processed", "dedup_key": …}``; anything wrong → ``400
  {"status": "invalid event", "message": "Event object is invalid", "errors": […]}``.
- ``POST /v2/alerts`` and ``POST /v2/alerts/ALIAS/acknowledge?identifierType=alias`` (Opsgenie):
  ``Authorization: GenieKey KEY`` with a key it knows, else ``401 {"message": "Could not
  authenticate", …}``; ``message`` required and at most 130 characters, responders each a user
  (``username``) or a team/escalation/schedule (``name``), else ``422 {"message": "Request body is
  not processable. Please check the errors.", "errors": {…}}``; ``202 {"result": "Request will be
  processed", "took": …, "requestId": …}``.

``answer_next(service, 429, 503, …)`` makes the next requests answer with those statuses (a
rate limit, an outage) before the service answers normally again; ``hang(service)`` makes it
accept connections and never answer.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.loopback import LoopbackService

OPSGENIE_KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
PD_SEVERITIES = {"critical", "error", "warning", "info"}
RESPONDER_TYPES = {"user": "username", "team": "name", "escalation": "name", "schedule": "name"}


@dataclass
class Received:
    service: str
    path: str
    headers: dict[str, str]
    body: Any


class Receivers(LoopbackService):
    """Both services on one port; ``url("pagerduty")`` / ``url("opsgenie")`` say where."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Received] = []
        self._scripted: dict[str, deque[int]] = defaultdict(deque)
        self._hanging: set[str] = set()

    # -- driving it from a test ----------------------------------------------------------------

    def url(self, service: str) -> str:
        path = {"pagerduty": "/v2/enqueue", "opsgenie": "/v2/alerts"}[service]
        return f"http://127.0.0.1:{self.port}{path}"

    def answer_next(self, service: str, *statuses: int) -> None:
        self._loop.call_soon_threadsafe(self._scripted[service].extend, statuses)

    def hang(self, service: str) -> None:
        self._loop.call_soon_threadsafe(self._hanging.add, service)

    def of(self, service: str) -> list[Received]:
        return [r for r in list(self.received) if r.service == service]

    # -- the services ---------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/enqueue", self._pagerduty)
        app.router.add_post("/v2/alerts", self._opsgenie_create)
        app.router.add_post("/v2/alerts/{identifier}/acknowledge", self._opsgenie_acknowledge)

    async def _arrived(self, service: str, request: web.Request) -> tuple[Any, web.Response | None]:
        """Record the request; a scripted status or a hang comes before the service's own answer."""
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.received.append(Received(service, request.path_qs, dict(request.headers), body))
        if service in self._hanging:
            await self._stop.wait()  # type: ignore[union-attr]
        scripted = self._scripted[service]
        if scripted:
            status = scripted.popleft()
            if service == "pagerduty":
                answer = {"status": "throttle event" if status == 429 else "error",
                          "message": "Requests for this service are arriving too quickly. Please retry later."
                          if status == 429 else "Internal server error"}
            else:
                answer = {"message": "You are making too many requests! To avoid errors, we recommend"
                          " you limit requests." if status == 429 else "Internal Server Error",
                          "took": 0.0, "requestId": str(uuid.uuid4())}
            return body, web.json_response(answer, status=status, headers={"Retry-After": "0"}
                                           if status == 429 else None)
        return body, None

    async def _pagerduty(self, request: web.Request) -> web.Response:
        body, scripted = await self._arrived("pagerduty", request)
        if scripted is not None:
            return scripted
        errors = []
        if not isinstance(body, dict):
            return web.json_response({"status": "invalid event", "message": "Event object is invalid",
                                      "errors": ["Event object is not JSON"]}, status=400)
        key = body.get("routing_key")
        if not isinstance(key, str) or len(key) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        dedup = body.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            errors.append("'dedup_key' is too long (must be at most 255 characters)")
        if action in ("acknowledge", "resolve") and not dedup:
            errors.append("'dedup_key' is missing")
        if action == "trigger":
            payload = body.get("payload")
            if not isinstance(payload, dict):
                errors.append("'payload' is missing or not an object")
            else:
                for name in ("summary", "source", "severity"):
                    if not payload.get(name):
                        errors.append(f"'payload.{name}' is missing or blank")
                if payload.get("severity") and payload["severity"] not in PD_SEVERITIES:
                    errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
                if len(str(payload.get("summary", ""))) > 1024:
                    errors.append("'payload.summary' is too long (must be at most 1024 characters)")
        if errors:
            return web.json_response({"status": "invalid event", "message": "Event object is invalid",
                                      "errors": errors}, status=400)
        return web.json_response({"status": "success", "message": "Event processed",
                                  "dedup_key": dedup or uuid.uuid4().hex}, status=202)

    def _opsgenie_auth(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"GenieKey {OPSGENIE_KEY}":
            return web.json_response({"message": "Could not authenticate", "took": 0.0,
                                      "requestId": str(uuid.uuid4())}, status=401)
        return None

    async def _opsgenie_create(self, request: web.Request) -> web.Response:
        body, scripted = await self._arrived("opsgenie", request)
        if scripted is not None:
            return scripted
        refused = self._opsgenie_auth(request)
        if refused is not None:
            return refused
        errors: dict[str, str] = {}
        if not isinstance(body, dict):
            body = {}
            errors["body"] = "Request body is not valid JSON."
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            errors["message"] = "Message can not be empty."
        elif len(message) > 130:
            errors["message"] = "Message can not be longer than 130 characters."
        if len(str(body.get("alias", ""))) > 512:
            errors["alias"] = "Alias can not be longer than 512 characters."
        for responder in body.get("responders", []):
            kind = responder.get("type") if isinstance(responder, dict) else None
            if kind not in RESPONDER_TYPES or not responder.get(RESPONDER_TYPES[kind]):
                errors["responders"] = f"Responder {responder!r} is not valid."
        if errors:
            return web.json_response({"message": "Request body is not processable. Please check the errors.",
                                      "errors": errors, "took": 0.001, "requestId": str(uuid.uuid4())},
                                     status=422)
        return web.json_response({"result": "Request will be processed", "took": 0.107,
                                  "requestId": str(uuid.uuid4())}, status=202)

    async def _opsgenie_acknowledge(self, request: web.Request) -> web.Response:
        _, scripted = await self._arrived("opsgenie", request)
        if scripted is not None:
            return scripted
        refused = self._opsgenie_auth(request)
        if refused is not None:
            return refused
        if request.query.get("identifierType") not in ("id", "tiny", "alias"):
            return web.json_response({"message": "Invalid identifier type", "took": 0.0,
                                      "requestId": str(uuid.uuid4())}, status=422)
        return web.json_response({"result": "Request will be processed", "took": 0.02,
                                  "requestId": str(uuid.uuid4())}, status=202)
