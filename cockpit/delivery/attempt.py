"""One delivery attempt: what every kind is given, what it gives back, and how it fails.

Errors name the destination's host, never its URL (Slack's and Teams' URLs are their token),
and never a secret: what reaches the record and the screen is built here from the answer's
status and its own short message, made printable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from cockpit.text import printable

DETAIL_LIMIT = 200
"""How much of a destination's own words the record keeps."""
LONGEST_WAIT = 300.0
"""The longest Retry-After honoured; a destination asking for more is tried again then."""


@dataclass(frozen=True, slots=True)
class Update:
    """An update as its destinations are given it, with the incident as it stands when sent."""

    seq: int
    text: str
    audience: str
    posted_at: datetime
    by: str
    title: str
    severity: str
    status: str
    session: str
    next_update_at: datetime | None = None
    remote_id: str = ""
    """What this destination knows the incident by, from an earlier delivery (a status page's
    incident id); empty the first time."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The destination took the update: what it answered, and its id for it, if any."""

    detail: str
    remote_id: str = ""


class NotSent(Exception):
    """The destination did not take the update. ``final``: trying again cannot help (the
    destination refused the request itself: a bad token, an archived channel); ``wait``: how long
    it asked us to wait (Retry-After), when it said."""

    def __init__(self, detail: str, *, final: bool = False, wait: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.final = final
        self.wait = wait


def said(text: str) -> str:
    """A destination's own words, safe for the record and the terminal, and short."""
    text = printable(text, one_line=True)
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def host_of(url: str) -> str:
    """``hooks.slack.com``: what an error may name (never the path, which holds the token)."""
    parts = urlsplit(url)
    return said(parts.netloc.rsplit("@", 1)[-1]) or "the destination"


def secret(spec: str, what: str) -> str:
    """The value of ``spec`` (``env:NAME``, or a plain value), read now and never stored."""
    if not spec.startswith("env:"):
        return spec
    name = spec[4:]
    value = os.environ.get(name, "").strip()
    if not value:
        raise NotSent(f"{what} is set to env:{name}, but ${name} is empty or not set", final=True)
    return value


def webhook_url(spec: str) -> str:
    url = secret(spec, "the URL")
    if not url.startswith(("http://", "https://")):
        raise NotSent("the URL is not an http:// or https:// URL", final=True)
    try:
        urlsplit(url).port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise NotSent(f"the URL of {host_of(url).rsplit(':', 1)[0]} has no valid port", final=True) from None
    return url


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the answer asks us to wait (``Retry-After``: seconds or an HTTP date), bounded."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), LONGEST_WAIT)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return min(max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0), LONGEST_WAIT)


async def post(client: httpx.AsyncClient, method: str, url: str, *, json: object,
               headers: dict[str, str] | None = None, timeout: float) -> httpx.Response:
    """Send one request; a transport failure becomes NotSent naming the host (worth retrying)."""
    host = host_of(url)
    try:
        return await client.request(method, url, json=json, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise NotSent(f"{host} did not answer within {timeout:g} s") from None
    except httpx.ConnectError:
        raise NotSent(f"cannot connect to {host} (refused or unreachable)") from None
    except httpx.HTTPError as exc:
        raise NotSent(f"sending to {host} failed: {type(exc).__name__}") from None


def check(response: httpx.Response, host: str, *, words: str = "") -> None:
    """Raise NotSent unless the answer is a success. 429 (and Statuspage's 420) waits as asked;
    408 and 5xx are worth retrying; any other refusal is final: the same request would get it
    again. ``words`` is the destination's own reason, when the kind knows where it says it."""
    status = response.status_code
    if response.is_success:
        return
    reason = said(words or response.text)
    detail = f"HTTP {status} from {host}" + (f": {reason}" if reason else "")
    if status in (420, 429):
        raise NotSent(detail, wait=retry_after(response))
    raise NotSent(detail, final=not (status == 408 or status >= 500))
