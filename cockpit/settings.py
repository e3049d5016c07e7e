"""Configuration files as validated pydantic models, found in a fixed order (docs/configuration.md).

Discovery, first hit wins: ``--config PATH``, ``$COCKPIT_CONFIG``, ``./cockpit.toml``, the user
config folder, the bundled ``config/cockpit.toml``. Protocols, scenarios and themes are found by
name next to the config in force, then in the user folder, then among the bundled ones.

Every error is a :class:`ConfigError` whose message names the file, the line where it can be
found, the field path and what was expected: people fix config at 3 a.m., not tracebacks.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from collections.abc import Iterable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator,
)

from cockpit import paths
from cockpit.domain.durations import (
    FLAP_CHANGES, FLAP_WINDOW, FlapWindow, Interval, StaleAfter, Timeout, UpdateCadence,
)
from cockpit.redact import redact_url
from cockpit.text import handle_problem, printable
from cockpit.tomlfmt import toml_key
from cockpit.domain.events import EndpointRef, Person
from cockpit.domain.durations import bounded
from cockpit.domain.links import url_problem
from cockpit.domain.protocol import Step
from cockpit.domain.roster import RosterLimits
from cockpit.domain.severity import SeverityMatrix
from cockpit.domain.vocabulary import ROLE_TITLES, Role, Severity

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A config, protocol, scenario or theme file that cannot be used; the message is for people."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


EndpointKind = Literal["http", "tcp", "tls", "icmp", "dns", "prometheus"]
"""What a check does; written as the URL's scheme (Gatus's shapes), except ``kind = "prometheus"``."""

URL_SCHEMES: dict[str, EndpointKind] = {
    "http": "http", "https": "http", "tcp": "tcp", "tls": "tls", "icmp": "icmp", "dns": "dns",
}
DEFAULT_CONDITIONS: dict[EndpointKind, tuple[str, ...]] = {
    "http": ("[STATUS] == 200",),
    "tcp": ("[CONNECTED] == true",),
    "tls": ("[CONNECTED] == true",),
    "icmp": ("[CONNECTED] == true",),
    "dns": ("[DNS_RCODE] == NOERROR",),
    "prometheus": ("len([RESULT]) > 0",),
}
"""What an endpoint is judged by when it gives no ``conditions``."""

DnsQueryType = Literal["A", "AAAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT", "SOA", "CAA"]


class DnsQuery(_Strict):
    """The question a ``dns://server:port`` endpoint asks (Gatus's ``dns`` block)."""

    query_name: str = Field(min_length=1, max_length=253, pattern=r"^[^\s]+$")
    query_type: DnsQueryType = "A"


class EndpointConfig(_Strict):
    """One health endpoint and how to judge it (conditions in Gatus syntax).

    The kind comes from the URL's scheme (``http(s)``, ``tcp``, ``tls``, ``icmp``, ``dns``) or is
    ``kind = "prometheus"``, whose ``url`` is the Prometheus server and ``query`` the PromQL.
    """

    name: str = Field(min_length=1)
    url: str = Field(description="http(s)://, tcp://host:port, tls://host:port, icmp://host or dns://server:port")
    kind: EndpointKind | None = Field(default=None, description="only \"prometheus\" is written; "
                                      "the others come from the URL")
    service: str = ""
    method: Literal["GET", "HEAD", "POST"] = "GET"
    interval: Interval = timedelta(seconds=5)
    timeout: Timeout = timedelta(seconds=2)
    conditions: tuple[str, ...] = ()
    dns: DnsQuery | None = None
    query: str | None = Field(default=None, min_length=1, max_length=10_000,
                              description="PromQL, for kind = \"prometheus\"")
    dashboard: str | None = Field(default=None, description="an http(s) URL to the endpoint's dashboard")
    degraded_when: tuple[str, ...] = ()
    headers: dict[str, str] = Field(default_factory=dict)
    body_limit: int = Field(default=64 * 1024, ge=1024, le=64 * 1024 * 1024)
    down_after: int = Field(default=3, ge=1, le=1000, description="consecutive failures before down")
    up_after: int = Field(default=2, ge=1, le=1000, description="consecutive successes before up again")
    degraded_ratio: float = Field(default=0.2, gt=0, le=1)
    window: int = Field(default=10, ge=2, le=1000)
    stale_after: StaleAfter | None = None
    flap_changes: int = Field(default=FLAP_CHANGES, ge=2, le=1000,
                              description="state changes within flap_window that mark flapping")
    flap_window: FlapWindow = FLAP_WINDOW

    @model_validator(mode="before")
    @classmethod
    def _kind_from_url(cls, data: Any) -> Any:
        """Fills ``kind`` from the URL and the conditions from the kind, so both are explicit after."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        data = dict(data)
        if data.get("kind") is None:
            scheme = data["url"].partition("://")[0].lower() if "://" in data["url"] else ""
            if scheme in URL_SCHEMES:
                data["kind"] = URL_SCHEMES[scheme]
        if data.get("kind") in DEFAULT_CONDITIONS and not data.get("conditions"):
            data["conditions"] = DEFAULT_CONDITIONS[data["kind"]]
        return data

    @model_validator(mode="after")
    def _shape_fits_kind(self) -> EndpointConfig:
        kind, url = self.kind, self.url
        if kind is None:
            raise ValueError(f"url {url!r}: not a URL the cockpit can check "
                             "(http://, https://, tcp://, tls://, icmp://, dns://, or kind = \"prometheus\")")
        if any(ch.isspace() for ch in url):
            raise ValueError(f"url {url!r}: a URL cannot hold spaces (write them as %20)")
        scheme = url.partition("://")[0].lower()
        if kind == "prometheus":
            if scheme not in ("http", "https"):
                raise ValueError("a prometheus endpoint's url is the server's http:// or https:// address")
            if not self.query:
                raise ValueError("a prometheus endpoint needs query (PromQL)")
        elif URL_SCHEMES.get(scheme) != kind:
            raise ValueError(f"kind {kind!r} does not match the url's scheme {scheme!r}://")
        if self.query is not None and kind != "prometheus":
            raise ValueError("query is for kind = \"prometheus\" endpoints")
        if (self.dns is None) != (kind != "dns"):
            raise ValueError("a dns:// endpoint needs dns = { query_name = \"…\", query_type = \"A\" }"
                             if kind == "dns" else "dns = {…} is for dns:// endpoints")
        host, port = endpoint_address(url)
        if not host:
            raise ValueError(f"url {url!r} names no host")
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(f"url {url!r}: port {port} is out of range (1–65535)")
        if kind in ("tcp", "tls") and port is None:
            raise ValueError(f"url {url!r}: a {kind}:// endpoint needs a port (host:port)")
        return self

    @field_validator("dashboard")
    @classmethod
    def _dashboard_is_a_link(cls, url: str | None) -> str | None:
        if url is not None and (url_problem(url) or not url.lower().startswith(("http://", "https://"))):
            raise ValueError(url_problem(url) or "a dashboard is an http:// or https:// link")
        return url

    @field_validator("headers")
    @classmethod
    def _no_inline_secrets(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not an HTTP header name (letters, digits and -)")
            if _HEADER_VALUE_BAD.search(value):
                raise ValueError(f"header {name}: a value cannot hold control characters or line breaks")
            if name.lower() in ("authorization", "cookie", "x-api-key") and not value.startswith("env:"):
                raise ValueError(f"header {name} must reference a secret as env:NAME, not hold it")
        return headers

    def reference(self) -> EndpointRef:
        """What a session records about this endpoint: enough for any seat to poll it later, even
        without this config. Header values are kept only as ``env:NAME`` references; a literal
        value is recorded by its header name alone, and the URL with its credentials masked."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data["url"] = redact_url(self.url)  # credentials in a URL are the opener's, never recorded
        data["service"] = self.service or self.name
        data["headers"] = {k: v for k, v in self.headers.items() if v.startswith("env:")}
        literal = sorted(k for k, v in self.headers.items() if not v.startswith("env:"))
        if literal:
            data["unrecorded_headers"] = literal
        return EndpointRef(**data)


def recorded_endpoints(refs: Iterable[EndpointRef]) -> list[EndpointConfig]:
    """The endpoints a session recorded, as configs a seat can poll when its own config has none.

    A reference that no longer validates (written by another version) is left out, never fatal.
    """
    known = set(EndpointConfig.model_fields)
    out = []
    for ref in refs:
        data = {k: v for k, v in ref.model_dump().items() if k in known}
        try:
            out.append(EndpointConfig.model_validate(data))
        except ValidationError:
            continue
    return out


def endpoint_address(url: str) -> tuple[str, int | None]:
    """The host and port a URL names (port None when it gives none; -1 when it is not a number).

    Bracketed IPv6 hosts come without their brackets.
    """
    rest = url.partition("://")[2]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if netloc.startswith("["):
        host, _, tail = netloc[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else None
    else:
        host, colon, port_text = netloc.partition(":")
        port_text = port_text if colon else None
    if port_text is None or port_text == "":
        return host, None
    return host, int(port_text) if port_text.isdigit() else -1


_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_HEADER_VALUE_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class IncidentSettings(_Strict):
    default_protocol: str = "major-incident"
    default_severity: Severity = "SEV2"


class UpdateSettings(_Strict):
    webhook: str | None = Field(default=None, description="URL or env:NAME for Slack-compatible "
                               "posts; the same as one slack destination named webhook")
    internal_every: UpdateCadence = timedelta(minutes=30)
    external_every: UpdateCadence = timedelta(minutes=20)
    destinations: tuple[Destination, ...] = ()

    @model_validator(mode="after")
    def _unique_destinations(self) -> UpdateSettings:
        names = [d.name for d in self.targets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"destinations: {', '.join(dupes)} named more than once (webhook = "
                             "… is the destination named webhook)")
        return self

    @property
    def targets(self) -> tuple[Destination, ...]:
        """Every destination: the ``[[updates.destinations]]`` tables, and ``webhook`` as one
        Slack-compatible destination for both audiences (the older way to write it)."""
        if self.webhook is None:
            return self.destinations
        legacy = SlackDestination(kind="slack", name="webhook", url=self.webhook)
        return (legacy, *self.destinations)

    def serving(self, audience: str) -> tuple[Destination, ...]:
        """The destinations an update of ``audience`` goes to."""
        return tuple(d for d in self.targets if d.serves(audience))


class UiSettings(_Strict):
    theme: str = "calm"
    bell: bool = Field(default=True, description="ring the terminal bell on a new DOWN, a new firing "
                       "alert, a LATE step or an ask whose time is up")
    low_bandwidth: bool = Field(default=False, description="for slow SSH links: the clocks tick once "
                                "a minute and the Health pane drops its sparklines (--low-bandwidth "
                                "also drops to 256 colours)")


class InsightSettings(_Strict):
    """``cockpit insights`` (docs/insights.md): where the team's nights are."""

    timezone: str = Field(default="UTC", description="an IANA time zone such as Europe/Paris: night"
                          " hours are those between 22:00 and 06:00 there")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a time zone; write an IANA name such as UTC,"
                             " Europe/Paris or America/New_York") from None
        return name


class AlertSettings(_Strict):
    """The Alertmanager receiver the polling seat runs (docs/configuration.md, "Alerts")."""

    listen: str | None = Field(default=None, description="host:port, e.g. 127.0.0.1:9095; unset: no receiver")
    token: str | None = Field(default=None, pattern=r"^env:[A-Za-z_][A-Za-z0-9_]*$",
                              description="the bearer token Alertmanager sends, as env:NAME")
    max_body: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, listen: str | None) -> str | None:
        if listen is None:
            return None
        host, port = endpoint_address(f"tcp://{listen}")
        if not host or port is None or not 1 <= port <= 65535:
            raise ValueError(f"{listen!r}: write host:port with a port in 1–65535, e.g. 127.0.0.1:9095")
        return listen

    def address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, port = endpoint_address(f"tcp://{self.listen}")
        assert port is not None
        return host, port


class JournalSettings(_Strict):
    """Where sessions named on the command line live (docs/journals.md): unset, in files;
    ``url = "postgresql://…"``, in that database, each seat also keeping a local file."""

    url: str | None = Field(default=None, pattern=r"^postgres(ql)?://",
                            description="a postgresql:// URL without a password (sslmode in it)")
    password: str | None = Field(default=None, pattern=r"^env:[A-Za-z_][A-Za-z0-9_]*$",
                                 description="the database password, as env:NAME")

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        if url is not None and re.match(r"^postgres(ql)?://[^/@]*:[^/@]*@", url):
            raise ValueError("the URL holds a password: leave it out and write"
                             ' password = "env:NAME" (or use PGPASSWORD or ~/.pgpass)')
        return url


_ENV_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")


SECRET_PROBLEM = ("write a secret as env:NAME, the environment variable that holds it, never the "
                  "secret itself")
"""Said without the value that was given: it may be the secret (describe_errors leaves it out)."""


def _secret_ref(value: str) -> str:
    if not _ENV_REF.match(value):
        raise ValueError(SECRET_PROBLEM)
    return value


SecretRef = Annotated[str, AfterValidator(_secret_ref)]
"""A secret read from the environment when it is used (``env:NAME``): config and session files
never hold it."""
PageWait = bounded("10s", "1d")
"""How long a page may wait for its acknowledgement before the roster warns."""
PAGE_TARGET = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")
RESPONDER = re.compile(r"^(user|team|escalation|schedule):\S.{0,199}$")


def _service_url(url: str) -> str:
    """A pager service's address: http(s), a host, nothing that could carry a surprise."""
    problem = url_problem(url)
    if problem or not url.lower().startswith(("http://", "https://")):
        raise ValueError(problem or "the address of a pager service starts with https:// (or http://)")
    return url


def _page_targets(table: dict[str, Any]) -> dict[str, Any]:
    """Keys that name a person (a handle) or a role (commander, ops, …)."""
    for key in table:
        if not PAGE_TARGET.match(key):
            raise ValueError(f"{key!r} is not a handle or a role")
    return table


class PagerDutySettings(_Strict):
    """PagerDuty's Events API v2: a trigger per page, to the routing key of the person or role."""

    url: str = "https://events.pagerduty.com/v2/enqueue"
    routing_key: SecretRef | None = Field(default=None, description="the integration key used when "
                                          "the person or role has none of their own")
    routing_keys: dict[str, SecretRef] = Field(default_factory=dict, description="handle or role → "
                                               "env:NAME of its integration key")
    source: str = Field(default="cockpit", min_length=1, max_length=255)

    _url = field_validator("url")(_service_url)
    _targets = field_validator("routing_keys")(_page_targets)

    @model_validator(mode="after")
    def _some_key(self) -> PagerDutySettings:
        if self.routing_key is None and not self.routing_keys:
            raise ValueError("[paging.pagerduty] needs routing_key (the default) or routing_keys")
        return self


class OpsgenieSettings(_Strict):
    """Opsgenie's alert API: an alert per page, to the responders of the person or role."""

    url: str = "https://api.opsgenie.com/v2/alerts"
    api_key: SecretRef = Field(description="the API integration's key, sent as GenieKey")
    responders: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="handle or role "
                                                   "→ responders: user:NAME, team:NAME, escalation:NAME, "
                                                   "schedule:NAME")
    default_responders: tuple[str, ...] = ()

    _url = field_validator("url")(_service_url)

    @field_validator("responders")
    @classmethod
    def _responders(cls, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        _page_targets(table)
        for responders in table.values():
            cls._forms(responders)
        return table

    @field_validator("default_responders")
    @classmethod
    def _forms(cls, responders: tuple[str, ...]) -> tuple[str, ...]:
        for responder in responders:
            if not RESPONDER.match(responder) or any(ord(c) < 32 for c in responder):
                raise ValueError(f"{responder!r}: write a responder as user:alice@example.com, "
                                 "team:NAME, escalation:NAME or schedule:NAME")
        return responders


class CommandPagerSettings(_Strict):
    """The team's own pager: a program that gets the page as JSON on its standard input."""

    argv: tuple[str, ...] = Field(min_length=1, description="the program and its arguments")
    timeout: Timeout = timedelta(seconds=30)


DESTINATION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DeliveryAudience = Literal["internal", "external", "both"]


def _webhook_url(url: str) -> str:
    """A webhook's address, or ``env:NAME`` when the URL itself is the secret (Slack's and
    Teams' are: the token is in the path)."""
    if _ENV_REF.match(url):
        return url
    problem = url_problem(url)
    if problem or not url.lower().startswith(("http://", "https://")):
        raise ValueError(problem or "write the webhook as an https:// (or http://) URL, or as "
                         "env:NAME when the URL holds its token")
    return url


def _secret_headers(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a header name")
        if _HEADER_VALUE_BAD.search(value):
            raise ValueError(f"the value of {name} holds control characters")
    return headers


class _Destination(_Strict):
    """What every destination has: a name (recorded with each delivery), the audience whose
    updates it gets, how long one attempt may take and how many attempts an update gets."""

    name: str = Field(description="what deliveries are recorded and shown by")
    audience: DeliveryAudience = "both"
    timeout: Timeout = timedelta(seconds=10)
    attempts: int = Field(default=5, ge=1, le=20, description="tries per update before this seat "
                          "stops; the update is tried again when the seat opens the session again")

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str) -> str:
        if not DESTINATION_NAME.match(name):
            raise ValueError("a destination's name is up to 64 letters, digits, '.', '_' or '-'")
        return name

    def serves(self, audience: str) -> bool:
        return self.audience in ("both", audience)


class SlackDestination(_Destination):
    """A Slack incoming webhook, or any server that takes Slack's shape (Mattermost)."""

    kind: Literal["slack"]
    url: str = Field(description="the webhook URL, or env:NAME holding it")

    _url = field_validator("url")(_webhook_url)


class TeamsDestination(_Destination):
    """A Microsoft Teams workflow ("Post to a channel when a webhook request is received"):
    the update as an Adaptive Card."""

    kind: Literal["teams"]
    url: str = Field(description="the workflow's URL, or env:NAME holding it")

    _url = field_validator("url")(_webhook_url)


class WebhookDestination(_Destination):
    """Any HTTP receiver: the update and the incident's state as one JSON object."""

    kind: Literal["webhook"]
    url: str = Field(description="the receiver's URL, or env:NAME holding it")
    headers: dict[str, str] = Field(default_factory=dict, description="sent with each post; "
                                    "values may be env:NAME")

    _url = field_validator("url")(_webhook_url)
    _headers = field_validator("headers")(_secret_headers)


class EmailDestination(_Destination):
    """Mail over SMTP: STARTTLS unless turned off, a login when ``username`` is set."""

    kind: Literal["email"]
    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = Field(default=None, min_length=1, max_length=200)
    password: SecretRef | None = None
    sender: str = Field(alias="from", min_length=3, max_length=200, pattern=r"^[^\s<>@]+@[^\s<>@]+$")
    to: tuple[str, ...] = Field(min_length=1)
    ca_file: Path | None = Field(default=None, description="the CA that signs the server's "
                                 "certificate, when it is not one the system trusts")

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: tuple[str, ...]) -> tuple[str, ...]:
        for address in to:
            if not re.match(r"^[^\s<>@,]+@[^\s<>@,]+$", address):
                raise ValueError(f"{address!r} is not a mail address (name@example.com)")
        return to

    @model_validator(mode="after")
    def _login(self) -> EmailDestination:
        if (self.username is None) != (self.password is None):
            raise ValueError("a login needs both username and password (password = \"env:NAME\")")
        return self


class StatuspageDestination(_Destination):
    """An Atlassian Statuspage page: the first update opens an incident there, later ones update
    it, and resolving resolves it."""

    kind: Literal["statuspage"]
    audience: DeliveryAudience = "external"
    url: str = Field(default="https://api.statuspage.io", description="the API's base URL")
    page_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    api_key: SecretRef = Field(description="the API key, sent as Authorization: OAuth KEY")

    _url = field_validator("url")(_service_url)


class FileDestination(_Destination):
    """A file the text is appended to (0600; a link at the path is refused)."""

    kind: Literal["file"]
    path: Path


class CommandDestination(_Destination):
    """A program given the text on its standard input; exit status 0 is delivered."""

    kind: Literal["command"]
    command: tuple[str, ...] = Field(min_length=1, description="the program and its arguments")


Destination = Annotated[
    SlackDestination | TeamsDestination | WebhookDestination | EmailDestination
    | StatuspageDestination | FileDestination | CommandDestination,
    Field(discriminator="kind"),
]
"""One ``[[updates.destinations]]`` table, its fields chosen by ``kind``."""


class PagingSettings(_Strict):
    """Paging people and roles (docs/configuration.md, "Paging")."""

    service: Literal["pagerduty", "opsgenie", "command"] | None = Field(
        default=None, description="which of the tables below pages; needed only when several are set")
    ack_warn_after: PageWait = timedelta(minutes=5)
    attempts: int = Field(default=3, ge=1, le=10, description="tries per page before it counts as failed")
    timeout: Timeout = timedelta(seconds=10)
    pagerduty: PagerDutySettings | None = None
    opsgenie: OpsgenieSettings | None = None
    command: CommandPagerSettings | None = None

    @model_validator(mode="after")
    def _one_service(self) -> PagingSettings:
        configured = [name for name in ("pagerduty", "opsgenie", "command") if getattr(self, name)]
        if self.service is not None and self.service not in configured:
            raise ValueError(f"service = {self.service!r}, but there is no [paging.{self.service}] table")
        if self.service is None and len(configured) > 1:
            raise ValueError(f"[paging] has {' and '.join(configured)}: say which pages with "
                             f"service = \"{configured[0]}\"")
        return self

    @property
    def chosen(self) -> str | None:
        """The service that pages, or None when paging is not set up."""
        if self.service is not None:
            return self.service
        return next((name for name in ("pagerduty", "opsgenie", "command") if getattr(self, name)), None)


class Config(_Strict):
    incident: IncidentSettings = IncidentSettings()
    roles: dict[Role, str] = Field(default_factory=lambda: dict(ROLE_DUTIES))
    people: tuple[Person, ...] = ()
    endpoints: tuple[EndpointConfig, ...] = ()
    severity: SeverityMatrix = SeverityMatrix()
    roster: RosterLimits = RosterLimits()
    updates: UpdateSettings = UpdateSettings()
    alerts: AlertSettings = AlertSettings()
    paging: PagingSettings = PagingSettings()
    journal: JournalSettings = JournalSettings()
    insights: InsightSettings = InsightSettings()
    ui: UiSettings = UiSettings()
    source: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for person in self.people:  # a handle must look like what it is
            problem = handle_problem(person.handle)
            if problem:
                raise ValueError(f"people: {printable(person.handle)!r}: {problem}")
        for label, names in (("people", [p.handle for p in self.people]),
                             ("endpoints", [e.name for e in self.endpoints])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{label}: {', '.join(dupes)} listed more than once")
        return self


ROLE_DUTIES: dict[str, str] = {
    "commander": "Owns the incident: decides, delegates, keeps the big picture; does no hands-on work.",
    "deputy": "Backs up the commander, keeps time, calls out every 10 minutes, takes over if needed.",
    "scribe": "Keeps the timeline: every decision, action and hypothesis, with times.",
    "ops": "Leads the hands-on investigation and the fix; directs the subject-matter experts.",
    "comms": "Writes and sends the external status updates on cadence.",
    "liaison": "Keeps internal stakeholders and leadership informed; shields the responders.",
    "sme": "Brings deep knowledge of one system; investigates what ops asks.",
}
"""One-line duty per role; ``ROLE_TITLES`` holds their display names."""
assert set(ROLE_DUTIES) == set(ROLE_TITLES)


class ProtocolFile(_Strict):
    """A runbook: ``config/protocols/NAME.toml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    description: str = ""
    when: tuple[Severity, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> ProtocolFile:
        ids = [s.id for s in self.steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids must be unique: {', '.join(dupes)} repeated")
        for step in self.steps:  # a cadence of 0 would be due all the time
            if step.every is not None and step.every < timedelta(minutes=1):
                raise ValueError(f"step {step.id}: every must be at least 1m")
        return self


_COLOUR_FIELDS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
                  "boost", "warning", "error", "success")


class ThemeFile(_Strict):
    """A colour theme: ``themes/NAME.toml``. Every colour is parsed before the theme registers."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _colours_parse(self) -> ThemeFile:
        from textual.color import Color, ColorParseError  # only theme files pay for this import

        for name in _COLOUR_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{name} = {value!r} is not a colour (try #rrggbb)") from None
        return self


# -- reading files ---------------------------------------------------------------------------


MAX_FILE_BYTES = 16 * 1024 * 1024
"""Config, protocol, scenario and theme files are small; a bigger one is not one of them."""
MAX_NESTING = 100
"""Arrays and inline tables nested deeper than this are refused before parsing: no config needs
it, and the parser would run out of stack on a few hundred."""


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        if not path.is_file():
            raise ConfigError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size} bytes is too big for a config file "
                              f"(at most {MAX_FILE_BYTES // (1024 * 1024)} MiB)")
        data = path.read_bytes()
    except ValueError:  # a NUL in the name
        raise ConfigError(f"{path!r}: not a usable file name") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    text = decode_text(path, data)
    problem = nesting_problem(text)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # the pre-scan should have caught it; never a traceback all the same
        raise ConfigError(f"{path}: not valid TOML: values nested too deeply") from None


def decode_text(path: Path, data: bytes) -> str:
    """``data`` as text (a leading UTF-8 byte-order mark is dropped), or a ConfigError naming the
    line, column and byte offset of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, "
                          f"column {column} (byte offset {exc.start}); save the file as UTF-8") from None


_TOKENS = re.compile(r'"""(?:\\.|[^"\\]|"(?!""))*"""|\'\'\'.*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\''
                     r"|#[^\n]*|[\[\]{}]", re.DOTALL)


def nesting_problem(text: str, limit: int = MAX_NESTING) -> str | None:
    """Why ``text`` nests arrays or inline tables too deeply to parse safely (None if it does not).

    A cheap scan that skips strings and comments; it runs before any parser sees the text.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                return (f"line {line}: arrays or tables nested more than {limit} deep; "
                        "cockpit reads no file nested like that")
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return None


def load_model(path: Path, model: type[M], **context: Any) -> M:
    """Read ``path`` into ``model``, or raise a ConfigError that says where and what is wrong."""
    data, text = read_toml(path)
    internal = [name for name, field in model.model_fields.items() if field.exclude and name in data]
    if internal:  # fields the program sets (where the file was found), never the file itself
        line = _line_of(text, internal[:1])
        where = f"line {line}, " if line else ""
        raise ConfigError(f"{path}: 1 problem:\n  {where}{internal[0]}: unknown field (check the spelling)")
    try:
        return model.model_validate({**data, **context})
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, text, exc, data)) from None
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply to check") from None


MAX_LISTED = 20
"""Problems listed one by one; the rest are counted."""
_KINDS = re.compile(r"expected tags: (.*)$")


def describe_errors(path: Path, text: str, exc: ValidationError, data: Any = None) -> str:
    """One line per problem: line (where it can be found), field path, what was expected."""
    errors = exc.errors(include_url=False, include_context=False)
    lines = [f"{path}: {len(errors)} problem{'s' if len(errors) > 1 else ''}:"]
    for error in errors[:MAX_LISTED]:
        loc = _data_path(error["loc"], data)
        field_path = _dotted(loc) or "(top level)"
        line = _line_of(text, loc)
        where = f"line {line}, " if line else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "union_tag_invalid" and (tags := _KINDS.search(error["msg"])):
            message = f"kind = {error['input'].get('kind')!r} is not one of {tags[1]}"  # a destination
        elif error["type"] == "union_tag_not_found":
            message = "needs kind = (which sort it is)"
        got = error.get("input")
        shown = "" if error["type"] in ("missing", "extra_forbidden") or isinstance(got, (dict, list, tuple)) \
            or message == SECRET_PROBLEM else f" (got {_short(got)})"
        lines.append(f"  {where}{field_path}: {message}{shown}")
    if len(errors) > MAX_LISTED:
        lines.append(f"  … and {len(errors) - MAX_LISTED} more")
    return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


_PYDANTIC_TAG = re.compile(r"^[a-z-]+\[.*\]$|^(int|str|float|bool|none|list|dict|tuple|set)$")


def _data_path(loc: tuple[Any, ...], data: Any) -> list[Any]:
    """The parts of a pydantic error location that are keys and indices of the file's data.

    pydantic puts the names of union members and validators (``literal['auto']``, ``int``,
    ``function-after[...]``) in the location too; a key that really is in the file is always kept,
    whatever it is spelled like.
    """
    out: list[Any] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            out.append(part)
            current = current[part]
        elif isinstance(part, str) and _PYDANTIC_TAG.match(part):
            continue
        else:
            out.append(part)
            current = None
    return out


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = toml_key(str(part))  # a key with dots, spaces or control characters is quoted
            out += f".{key}" if out else key
    return out


def _line_of(text: str, loc: list[Any]) -> int | None:
    """Best-effort line of a field path in TOML text: good enough to point people at the spot.

    Walks the path: a name moves to its key or table header, an index to the n-th ``[[table]]``
    after the parent's position.
    """
    lines = text.split("\n")  # TOML's lines, not every character Python calls a break
    start, found = 0, None
    names: list[str] = []
    for part in loc:
        if isinstance(part, int):
            header = re.compile(rf"^\s*\[\[\s*{re.escape('.'.join(names))}\s*\]\]")
            hits = [i for i in range(start, len(lines)) if header.match(lines[i])]
            if part < len(hits):
                start = found = hits[part]
            continue
        key = str(part)
        names.append(key)
        pattern = re.compile(rf'^\s*(\[\[?\s*[\w.-]*\b{re.escape(key)}\s*\]\]?|"?{re.escape(key)}"?\s*=)')
        line = next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)
        if line is None:
            break
        start = found = line
    return found + 1 if found is not None else None


# -- discovery -------------------------------------------------------------------------------


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file in force, by the search order of docs/configuration.md."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file (given with --config)")
        return path
    env = os.environ.get("COCKPIT_CONFIG")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file (given in $COCKPIT_CONFIG)")
        return path
    for candidate in (Path.cwd() / "cockpit.toml", paths.user_config_dir() / "cockpit.toml"):
        if candidate.is_file():
            return candidate
    return paths.bundled_config_dir() / "cockpit.toml"


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    config = load_model(path, Config)
    return config.model_copy(update={"source": path})


def config_if_readable(explicit: str | os.PathLike[str] | None = None) -> Config | None:
    """The config in force for a command that can do without one (a report, insight, a revised
    protocol): a broken file found by the search must not stop it, one named with ``--config``
    must be good (ConfigError)."""
    try:
        return load_config(explicit)
    except ConfigError:
        if explicit:
            raise
        return None


def search_dirs(kind: str, config: Config | None = None) -> list[Path]:
    """Where files of a kind (``protocols``, ``scenarios``, ``themes``) are looked for, in order."""
    dirs = []
    if config is not None and config.source is not None:
        dirs.append(config.source.parent / kind)
    dirs.append(paths.user_config_dir() / kind)
    bundled = paths.bundled_themes_dir() if kind == "themes" else paths.bundled_config_dir() / kind
    dirs.append(bundled)
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def available(kind: str, config: Config | None = None) -> dict[str, Path]:
    """Every named file of a kind, the first folder in search order winning."""
    found: dict[str, Path] = {}
    for folder in search_dirs(kind, config):
        if folder.is_dir():
            for file in sorted(folder.glob("*.toml")):
                found.setdefault(file.stem, file)
    return found


def find_named(kind: str, name: str, config: Config | None = None) -> Path:
    candidate = Path(name).expanduser()
    if name.endswith(".toml") and candidate.is_file():
        return candidate
    files = available(kind, config)
    if name in files:
        return files[name]
    known = ", ".join(sorted(files)) or "none"
    raise ConfigError(f"no {kind[:-1]} named {name!r}; available: {known}")


def config_problems(config: Config) -> list[str]:
    """Names in a valid config that would fail later, when they are used: the protocol a new
    incident follows and the theme the screen opens with (``cockpit validate`` says them now)."""
    problems = []
    protocols = available("protocols", config)
    if config.incident.default_protocol not in protocols:
        problems.append(f"incident.default_protocol: no protocol named {config.incident.default_protocol!r};"
                        f" available: {', '.join(sorted(protocols)) or 'none'}")
    themes = set()
    for path in {p for folder in search_dirs("themes", config) if folder.is_dir()
                 for p in folder.glob("*.toml")}:
        try:
            themes.add(load_model(path, ThemeFile).name)
        except ConfigError:
            continue  # a broken theme file is said when the screen loads themes
    if config.ui.theme not in themes:
        problems.append(f"ui.theme: no theme named {config.ui.theme!r}; available: {', '.join(sorted(themes))}")
    return problems


def load_protocol(name: str, config: Config | None = None) -> ProtocolFile:
    return load_model(find_named("protocols", name, config), ProtocolFile)


def load_theme(path: Path) -> ThemeFile:
    return load_model(path, ThemeFile)
