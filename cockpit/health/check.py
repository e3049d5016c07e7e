"""An endpoint made ready to be checked, once, before any check runs: its conditions compiled,
its deadline, and what its kind needs (the request URL for HTTP and Prometheus, the host and
port for TCP, TLS, DNS and ICMP)."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name
import httpx

from cockpit.health import transport as transports
from cockpit.health.conditions import Condition, compile_endpoint
from cockpit.settings import EndpointConfig, EndpointKind, endpoint_address

DNS_PORT = 53
PROMETHEUS_QUERY_PATH = "/api/v1/query"


class EndpointError(ValueError):
    """An endpoint that cannot be checked as configured (its URL); the message names it."""


@dataclass(frozen=True, slots=True)
class Check:
    """An endpoint ready to be probed. ``timeout`` is the whole check's deadline, in seconds."""

    endpoint: EndpointConfig
    conditions: tuple[Condition, ...]
    degraded_when: tuple[Condition, ...]
    timeout: float
    timeouts: dict[str, float]
    url: httpx.URL | None = None
    host: str = ""
    port: int | None = None

    @property
    def kind(self) -> EndpointKind:
        return self.endpoint.kind or "http"

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> Check:
        """Raises ConditionError (naming the endpoint and the condition) when one does not parse,
        EndpointError when the URL cannot be checked."""
        where = f"endpoint {endpoint.name!r}"
        seconds = endpoint.timeout.total_seconds()
        kind = endpoint.kind or "http"
        conditions, degraded_when = compile_endpoint(endpoint.conditions, endpoint.degraded_when, where, kind)
        common = dict(endpoint=endpoint, conditions=conditions, degraded_when=degraded_when,
                      timeout=seconds, timeouts=transports.timeouts(seconds))
        if kind in ("http", "prometheus"):
            return cls(**common, url=_request_url(endpoint, where))
        host, port = endpoint_address(endpoint.url)
        if not host or (port is not None and not 1 <= port <= 65535):
            raise EndpointError(f"{where}: url {endpoint.url!r} names no host and port to check")
        if kind == "dns":
            port = DNS_PORT if port is None else port
            _check_query_name(endpoint, where)
        return cls(**common, host=host, port=port)


def _check_query_name(endpoint: EndpointConfig, where: str) -> None:
    name = endpoint.dns.query_name if endpoint.dns is not None else ""
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise EndpointError(f"{where}: dns.query_name {name!r} is not a DNS name ({exc})") from None


def _request_url(endpoint: EndpointConfig, where: str) -> httpx.URL:
    try:
        url = httpx.URL(endpoint.url)
    except httpx.InvalidURL as exc:
        raise EndpointError(f"{where}: url {endpoint.url!r} cannot be requested ({exc})") from None
    if not url.host:
        raise EndpointError(f"{where}: url {endpoint.url!r} names no host")
    if endpoint.kind == "prometheus" and endpoint.query is not None:
        url = url.copy_with(path=url.path.rstrip("/") + PROMETHEUS_QUERY_PATH, query=None,
                            fragment=None).copy_merge_params({"query": endpoint.query})
    return url
