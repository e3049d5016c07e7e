"""Suggested severity from the structured size-up and from what the monitoring says.

The suggestion is the worst severity any matching rule gives (SEV1 is worst). Impact rules read
the size-up answers; health rules read the recorded health (a service DOWN, a critical alert
firing), so a payments outage the monitoring already sees is not suggested as "no impact rule
matched" while the size-up is still being answered. When key answers are still unknown the
suggestion errs high: it is raised one level, and the reason says why. The lead sets the
severity; this only suggests it, with the answers and the signals that drove it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from cockpit.domain.vocabulary import IMPACT_LABELS, ImpactField, Severity, severity_rank

if TYPE_CHECKING:  # the fold imports nothing from here; only the type is needed
    from cockpit.domain.state import IncidentState

HealthSignal = Literal["down", "critical-alert"]


class SeverityRule(BaseModel):
    """Matches when every listed field has one of the listed answers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    when: dict[ImpactField, tuple[str, ...]] = Field(min_length=1)
    severity: Severity
    reason: str = Field(min_length=1)

    def matches(self, impact: Mapping[str, str]) -> bool:
        return all(impact.get(field, "").lower() in values for field, values in self.when.items())


DEFAULT_RULES: tuple[SeverityRule, ...] = tuple(
    SeverityRule(when=when, severity=sev, reason=reason)
    for when, sev, reason in [
        ({"data": ("exposure",)}, "SEV1", "customer data exposed"),
        ({"data": ("loss",)}, "SEV1", "data lost"),
        ({"users_affected": ("most", "all"), "functionality": ("outage",)}, "SEV1",
         "most users face a full outage"),
        ({"revenue": ("major",)}, "SEV1", "major revenue impact"),
        ({"users_affected": ("most", "all")}, "SEV2", "most users affected"),
        ({"users_affected": ("some",), "functionality": ("partial", "outage")}, "SEV2",
         "some users lose functionality"),
        ({"customer_facing": ("yes",), "functionality": ("outage",)}, "SEV2",
         "customer-facing outage"),
        ({"data": ("at-risk",)}, "SEV2", "data at risk"),
        ({"users_affected": ("few", "some")}, "SEV3", "some users affected"),
        ({"customer_facing": ("yes",), "functionality": ("degraded", "partial")}, "SEV3",
         "customer-facing degradation"),
        ({"revenue": ("minor",)}, "SEV3", "minor revenue impact"),
        ({"functionality": ("degraded", "partial", "outage")}, "SEV4", "internal functionality impaired"),
        ({"customer_facing": ("no",)}, "SEV4", "internal only"),
        ({"users_affected": ("none",), "functionality": ("none",)}, "SEV5", "no user impact"),
    ]
)


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """What the recorded health says right now, as the rules read it."""

    down: tuple[str, ...] = ()
    """Services (or endpoint names, when they give none) with an endpoint DOWN."""
    critical_alerts: tuple[str, ...] = ()
    """Names of the critical alerts firing."""

    @classmethod
    def of(cls, state: IncidentState) -> HealthFacts:
        down = sorted({e.service or e.name for e in state.endpoints.values() if e.state == "down"})
        critical = dict.fromkeys(a.alertname or a.fingerprint
                                 for a in state.firing_alerts() if a.critical)
        return cls(tuple(down), tuple(critical))

    def named(self, signal: HealthSignal) -> tuple[str, ...]:
        return self.down if signal == "down" else self.critical_alerts


class HealthRule(BaseModel):
    """Matches while the health signal holds and every size-up field under ``when`` has one of
    the listed answers; its reason names what the monitoring sees ("payments DOWN, customer
    facing"), or is ``reason`` with ``{what}`` standing for those names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signal: HealthSignal
    when: dict[ImpactField, tuple[str, ...]] = Field(default_factory=dict)
    severity: Severity
    reason: str = ""

    def reason_for(self, impact: Mapping[str, str], health: HealthFacts) -> str | None:
        """The reason this rule gives now, or None when it does not match."""
        names = health.named(self.signal)
        if not names or not all(impact.get(f, "").lower() in v for f, v in self.when.items()):
            return None
        what = ", ".join(names)
        if self.reason:
            return self.reason.replace("{what}", what)
        said = f"{what} DOWN" if self.signal == "down" else f"critical alert {what} firing"
        for field, values in self.when.items():
            label = IMPACT_LABELS[field]
            said += f", {label}" if values == ("yes",) else f", {label} {'/'.join(values)}"
        return said


DEFAULT_HEALTH_RULES: tuple[HealthRule, ...] = (
    HealthRule(signal="down", when={"customer_facing": ("yes",)}, severity="SEV2"),
    HealthRule(signal="down", severity="SEV3"),
    HealthRule(signal="critical-alert", severity="SEV2"),
)


class SeverityMatrix(BaseModel):
    """The rules in force; configurable under ``[severity]`` in cockpit.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[SeverityRule, ...] = DEFAULT_RULES
    health_rules: tuple[HealthRule, ...] = DEFAULT_HEALTH_RULES
    unsure_fields: tuple[ImpactField, ...] = ("users_affected", "functionality", "data")
    floor: Severity = "SEV4"


@dataclass(frozen=True, slots=True)
class Suggestion:
    severity: Severity | None
    reasons: tuple[str, ...]

    def describe(self) -> str:
        if self.severity is None:
            return "answer the size-up to get a suggestion"
        return f"{self.severity}: " + "; ".join(self.reasons)


def suggest_severity(impact: Mapping[str, str], matrix: SeverityMatrix | None = None,
                     health: HealthFacts | None = None) -> Suggestion:
    """The suggested severity for these size-up answers and this health, with the reasons that
    drove it. Health alone is enough for a suggestion: the monitoring answers before people do.

    Erring high is for the size-up: an unanswered question raises what the answers suggest. A
    health rule is already what the monitoring sees, so it is not raised again (payments DOWN,
    customer facing, suggests SEV2, not SEV1 for the questions still open)."""
    matrix = matrix or SeverityMatrix()
    answered = {k: v.strip().lower() for k, v in impact.items() if v and v.strip()}
    found = [*_from_answers(answered, matrix), *_from_health(answered, health or HealthFacts(), matrix)]
    if not found:
        return Suggestion(None, ())
    worst = min(rank for rank, _ in found)
    reasons = [reason for rank, reason in found if rank == worst]
    return Suggestion(f"SEV{worst}", tuple(dict.fromkeys(reasons)))  # type: ignore[arg-type]


def _from_answers(answered: Mapping[str, str], matrix: SeverityMatrix) -> list[tuple[int, str]]:
    """(rank, reason) of the worst impact rules, raised one level while key answers are unknown."""
    if all(v == "unknown" for v in answered.values()):
        return []
    matching = [rule for rule in matrix.rules if rule.matches(answered)]
    if matching:
        worst = min(severity_rank(rule.severity) for rule in matching)
        reasons = [rule.reason for rule in matching if severity_rank(rule.severity) == worst]
    else:
        worst = severity_rank(matrix.floor)
        reasons = ["no impact rule matched"]
    unsure = [f for f in matrix.unsure_fields if answered.get(f, "unknown") == "unknown"]
    if unsure and worst > 1:
        worst -= 1
        names = ", ".join(IMPACT_LABELS[f] for f in unsure)
        reasons.append(f"{names} not known yet: erring high")
    return [(worst, reason) for reason in reasons]


def _from_health(answered: Mapping[str, str], health: HealthFacts,
                 matrix: SeverityMatrix) -> list[tuple[int, str]]:
    found = []
    for rule in matrix.health_rules:
        said = rule.reason_for(answered, health)
        if said is not None:
            found.append((severity_rank(rule.severity), said))
    return found
