"""What one check concludes, whatever its kind: the outcome, the words, the figures.

Outcomes:

* OK: every condition passes (and every ``degraded_when``);
* WARN: the conditions pass but a ``degraded_when`` does not;
* FAIL: a condition fails, or the transport failed (refused, timeout, reset, TLS, no reply);
* ERROR: the prober itself could not tell (no free connection, check cancelled, no network,
  the local resolver failing, a secret missing from the environment, no permission to send
  ICMP). ERROR never counts against an endpoint.

Every detail passes :func:`clean` (secrets hidden, terminal controls removed, one short line)
before anyone sees it: details come from servers and from exceptions about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cockpit.text import printable

EXCERPT_CHARS = 500
DETAIL_CHARS = 160


class Outcome(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one check found. ``total_ms`` is ``[RESPONSE_TIME]``: request sent to body read for
    HTTP, the connect (and handshake) for TCP and TLS, the answer for DNS, the round trip for ICMP."""

    outcome: Outcome
    detail: str
    status: int | None = None
    headers_ms: float | None = None
    total_ms: float | None = None
    new_connection: bool | None = None
    body_excerpt: str = ""

    @property
    def conclusive(self) -> bool:
        return self.outcome is not Outcome.ERROR


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


def clean(text: str, secrets: tuple[str, ...] = ()) -> str:
    """A detail fit for a terminal and a session file: secrets as ``***``, one printable line."""
    for secret in secrets:
        text = text.replace(secret, "***")
    text = printable(text, one_line=True)
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1] + "…"


def excerpt(body: bytes) -> str:
    return printable(body[:EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS])
