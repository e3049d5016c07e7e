"""Scenario files: the script of a drill (``config/scenarios/NAME.toml``).

A scenario names the incident it stages, the services of a simulated fleet and, for each, a
timeline of behaviours in *scenario time* (``at = "90s"``), plus injects: things that happen
to the people (a customer tweets, bob goes off shift) at their scenario times. The runner plays
scenario time faster or slower with ``--speed``; nothing in a file depends on the speed.

Behaviours of a phase: ``healthy``; ``slow`` (answers after ``latency_ms``); ``erroring``
(answers ``status``, 500 by default); ``down`` (connection refused); ``hanging`` (accepts, never
answers); ``partial`` (``fail_ratio`` of requests fail, spread evenly); ``flapping`` (answers,
then fails, each for ``period`` of scenario time); ``wrong-body`` (200 with a degraded status).
Answers are JSON ``{"status": "ok"|"degraded"|"error", "service": …, "message": …}``.

Every mistake in a file becomes a :class:`~cockpit.settings.ConfigError` naming the file, the
line, the field and what was expected, the same as for every other config file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.domain.durations import Duration, Interval, Timeout, format_duration
from cockpit.domain.objectives import Objective
from cockpit.domain.vocabulary import MemberStatus, Severity
from cockpit.health.conditions import parse as parse_condition
from cockpit.settings import Config, EndpointConfig, find_named, load_model

Behaviour = Literal["healthy", "slow", "erroring", "down", "hanging", "partial", "flapping",
                    "wrong-body"]

_NAME = r"^[a-z0-9][a-z0-9-]*$"
TAIL = timedelta(minutes=1)
"""How long a scenario runs past its last scripted moment when it does not say ``ends_at``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(_Strict):
    """From ``at`` on (until the next phase), the service behaves like this."""

    at: Duration
    behaviour: Behaviour
    latency_ms: int | None = Field(default=None, ge=0, le=600_000,
                                   description="slow: how long each answer takes")
    status: int | None = Field(default=None, ge=400, le=599,
                               description="erroring, partial, flapping: the failing HTTP status")
    fail_ratio: float | None = Field(default=None, gt=0, lt=1,
                                     description="partial: the share of requests that fail")
    period: Duration | None = Field(default=None, description="flapping: how long each half-cycle lasts")
    message: str = Field(default="", max_length=200,
                         description="what the service says in its JSON body while in this phase")

    @model_validator(mode="after")
    def _fields_fit_the_behaviour(self) -> Phase:
        allowed = {"slow": {"latency_ms"}, "erroring": {"status"}, "partial": {"status", "fail_ratio"},
                   "flapping": {"status", "period"}}.get(self.behaviour, set())
        for name in ("latency_ms", "status", "fail_ratio", "period"):
            if getattr(self, name) is not None and name not in allowed:
                raise ValueError(f"{name} does not apply to a {self.behaviour!r} phase")
        if self.behaviour == "partial" and self.fail_ratio is None:
            raise ValueError("a 'partial' phase needs fail_ratio, e.g. fail_ratio = 0.3")
        if self.period is not None and self.period < timedelta(seconds=1):
            raise ValueError("period must be at least 1s")
        return self

    @property
    def failing_status(self) -> int:
        return self.status or (503 if self.behaviour in ("partial", "flapping") else 500)

    @property
    def slow_ms(self) -> int:
        return self.latency_ms if self.latency_ms is not None else 1500

    @property
    def half_cycle(self) -> float:
        """Flapping: seconds of scenario time spent answering, then failing, then answering…"""
        return (self.period or timedelta(seconds=30)).total_seconds()


class ServiceSpec(_Strict):
    """One simulated service: its health endpoint, how the cockpit judges it, its timeline."""

    name: str = Field(pattern=_NAME, description="the endpoint name the cockpit shows")
    service: str = ""
    path: str = Field(default="/healthz", pattern=r"^/[\x21-\x7e]*$")
    port: int | Literal["auto"] = Field(
        default="auto", description='"auto" (a free port) or an offset from [scenario] base_port')
    interval: Interval = timedelta(seconds=1)
    timeout: Timeout = timedelta(seconds=2)
    conditions: tuple[str, ...] = ("[STATUS] == 200",)
    degraded_when: tuple[str, ...] = ("[BODY].status == ok", "[RESPONSE_TIME] < 800")
    baseline_ms: int = Field(default=20, ge=0, le=10_000, description="answer time when not slow")
    jitter_ms: int = Field(default=10, ge=0, le=10_000, description="random extra answer time")
    phases: tuple[Phase, ...] = ()

    @field_validator("conditions", "degraded_when")
    @classmethod
    def _conditions_parse(cls, conditions: tuple[str, ...]) -> tuple[str, ...]:
        for text in conditions:
            parse_condition(text)  # a ConditionError says where, with a caret under the column
        return conditions

    @model_validator(mode="after")
    def _timeline_in_order(self) -> ServiceSpec:
        if isinstance(self.port, int) and not 0 <= self.port <= 999:
            raise ValueError("port is an offset from [scenario] base_port, between 0 and 999")
        if not self.phases:
            raise ValueError("a service needs a timeline: at least one [[services.phases]]")
        times = [p.at for p in self.phases]
        for earlier, later in zip(times, times[1:]):
            if later <= earlier:
                raise ValueError(f"phases must be in time order: {format_duration(later)} comes "
                                 f"after {format_duration(earlier)}")
        return self

    def phase_at(self, elapsed: float) -> Phase:
        """The phase in force ``elapsed`` scenario seconds in (healthy before the first one)."""
        current = _HEALTHY
        for phase in self.phases:
            if phase.at.total_seconds() > elapsed:
                break
            current = phase
        return current


_HEALTHY = Phase(at=timedelta(0), behaviour="healthy")


class Inject(_Strict):
    """Something that happens to the people: shown on the timeline, maybe a roster change."""

    at: Duration
    text: str = Field(min_length=1, max_length=500)
    member: str | None = Field(default=None, min_length=1, description="whose status changes")
    status: MemberStatus | None = None
    join: str | None = Field(default=None, min_length=1, description="who joins the incident")

    @model_validator(mode="after")
    def _roster_change_complete(self) -> Inject:
        if self.member and self.join:
            raise ValueError("an inject changes one person: give member + status, or join")
        if self.member and self.status is None:
            raise ValueError(f"member = {self.member!r} needs a status: paged, engaged, resting or off")
        if self.status is not None and not (self.member or self.join):
            raise ValueError("status needs the person it applies to: member = \"handle\"")
        return self


class ScenarioInfo(_Strict):
    name: str = Field(pattern=_NAME)
    title: str = Field(min_length=1)
    description: str = ""
    incident_title: str = Field(min_length=1, description="the title the drill incident is declared with")
    severity: Severity = "SEV2"
    protocol: str = "major-incident"
    base_port: int = Field(default=8100, ge=1024, le=64_000)
    ends_at: Duration | None = None


class Scenario(_Strict):
    """A whole scenario file."""

    scenario: ScenarioInfo
    services: tuple[ServiceSpec, ...] = ()
    injects: tuple[Inject, ...] = ()
    objectives: tuple[Objective, ...] = ()
    """What the drill expects of the team, scored by its report (cockpit.domain.objectives)."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not 1 <= len(self.services) <= 50:
            raise ValueError("a scenario has between 1 and 50 [[services]]")
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"services: {', '.join(dupes)} listed more than once")
        ports = [s.port for s in self.services if s.port != "auto"]
        if len(ports) != len(set(ports)):
            raise ValueError("services: two services share a port offset")
        last = self.last_moment
        if self.scenario.ends_at is not None and self.scenario.ends_at < last:
            raise ValueError(f"scenario.ends_at ({format_duration(self.scenario.ends_at)}) comes "
                             f"before the last scripted moment ({format_duration(last)})")
        return self

    def objective_problems(self, step_ids: set[str]) -> list[str]:
        """Step objectives naming a step the drill's protocol does not have."""
        return [f"objective {objective.label!r}: the protocol {self.scenario.protocol!r} has no step"
                f" {objective.target!r}" for objective in self.objectives
                if objective.kind == "step" and objective.target not in step_ids]

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def last_moment(self) -> timedelta:
        moments = [p.at for s in self.services for p in s.phases] + [i.at for i in self.injects]
        return max(moments, default=timedelta(0))

    @property
    def ends_at(self) -> timedelta:
        """Scenario time at which the story is over."""
        return self.scenario.ends_at or self.last_moment + TAIL

    def endpoint(self, spec: ServiceSpec, url: str) -> EndpointConfig:
        """The endpoint the cockpit polls for ``spec``, served at ``url``."""
        return EndpointConfig(name=spec.name, url=url, service=spec.service or spec.name,
                              interval=spec.interval, timeout=spec.timeout,
                              conditions=spec.conditions, degraded_when=spec.degraded_when)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; raises ConfigError with the file, line and field."""
    return load_model(Path(path), Scenario)


def find_scenario(name: str, config: Config | None = None) -> Scenario:
    """A scenario by name (next to the config, in the user folder, bundled) or by file path."""
    return load_scenario(find_named("scenarios", name, config))
