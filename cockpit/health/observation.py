"""What a check saw, in the shape the conditions read (``conditions.Observation``), for every kind.

Each kind fills what it has and leaves the rest None: an HTTP check has a status and a body, a
TCP check an address and a connect time, a DNS check an rcode and its first answer as the body,
a Prometheus query the samples of its result. ``[CONNECTED]`` is true whenever conditions are
judged: a check that could not connect fails before its conditions (docs/checks.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cockpit.health.conditions import Condition
from cockpit.health.outcome import Outcome


class Seen:
    __slots__ = ("status", "total_ms", "connected", "certificate_expiration_ms", "ip", "dns_rcode",
                 "result", "_body", "_truncated", "_json")

    def __init__(self, *, total_ms: float, status: int | None = None, body: bytes = b"",
                 truncated: bool = False, certificate_expiration_ms: float | None = None,
                 ip: str | None = None, dns_rcode: str | None = None,
                 result: list[dict] | None = None) -> None:
        self.status = status
        self.total_ms = total_ms
        self.connected = True
        self.certificate_expiration_ms = certificate_expiration_ms
        self.ip = ip
        self.dns_rcode = dns_rcode
        self.result = result
        self._body, self._truncated = body, truncated
        self._json: tuple[bool, Any, str] | None = None

    def body_text(self) -> str:
        return self._body.decode("utf-8", errors="replace")

    def body_json(self) -> tuple[bool, Any, str]:
        if self._json is None:
            self._json = self._parse()
        return self._json

    def _parse(self) -> tuple[bool, Any, str]:
        if not self._body.strip():
            return False, None, "body is empty"
        try:
            return True, json.loads(self._body), ""
        except (ValueError, RecursionError):
            cut = f" (cut at {len(self._body)} bytes)" if self._truncated else ""
            return False, None, f"body is not JSON{cut}"


def judge(conditions: Sequence[Condition], degraded_when: Sequence[Condition], seen: Seen,
          passed: str) -> tuple[Outcome, str]:
    """FAIL on the first condition that fails, WARN on the first ``degraded_when``, else OK with
    ``passed`` as the detail."""
    for condition in conditions:
        verdict = condition.evaluate(seen)
        if not verdict.passed:
            return Outcome.FAIL, verdict.detail
    for condition in degraded_when:
        verdict = condition.evaluate(seen)
        if not verdict.passed:
            return Outcome.WARN, verdict.detail
    return Outcome.OK, passed
