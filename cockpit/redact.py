"""Secrets in URLs never reach a session file or a screen: credentials and secret-looking query
parameters are recorded and shown as ``***``; origins say whose server a URL points at."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_PARAM = re.compile(
    r"(^|[_.-])(key|api[_-]?key|apikey|token|access[_-]?token|auth|secret|password|passwd|pwd|"
    r"signature|sig|session|credential|private)s?($|[_.-])", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with user-info and secret-looking query values masked: safe to record and show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True) if query else []
    if any(_SECRET_PARAM.search(k) for k, _ in pairs):
        query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: two URLs with the same
    origin reach the same server."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port or default)
