"""Impact: how bad is it, and for whom?

The size-up fields, answered from the keyboard (Enter on a field), the services that look
affected because their endpoints are down, and the severity the answers and the recorded health
suggest (a customer-facing service DOWN, a critical alert firing), with the reasons.
The lead sets the severity (``s``); the pane only suggests.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work

from cockpit.domain.events import ImpactAssessed
from cockpit.domain.severity import HealthFacts, SeverityMatrix, suggest_severity
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import IMPACT_CHOICES, IMPACT_FIELDS, IMPACT_LABELS, severity_rank
from cockpit.text import printable
from cockpit.domain.links import every_link
from cockpit.ui.panes.describe import SEVERITY_WORDS
from cockpit.ui.panes.links import link_line
from cockpit.ui.panes.rows import Pane, Propose, Row, RowList
from cockpit.ui.prompts import ChoicePrompt, TextPrompt

QUESTIONS = {
    "customer_facing": "Can customers see it?",
    "users_affected": "How many users are affected?",
    "functionality": "How much functionality is lost?",
    "data": "Is any data at risk, lost or exposed?",
    "revenue": "Is revenue affected?",
    "services": "Which services are affected? (comma-separated)",
    "regions": "Which regions are affected? (comma-separated)",
}
LABEL_WIDTH = 16


def services_down(state: IncidentState) -> list[str]:
    """Services whose endpoints are down or degraded right now: the likely 'services affected'."""
    return sorted({(e.service or e.name) for e in state.endpoints.values()
                   if e.state in ("down", "degraded")})


class ImpactPane(Pane):
    TITLE = "Impact"

    def __init__(self, *, matrix: SeverityMatrix | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.matrix = matrix or SeverityMatrix()
        self.state = IncidentState()

    def show(self, state: IncidentState, now: datetime) -> None:
        self.last_shown = (state, now)
        self.state = state
        self.rows.set_rows(self.render_rows(state))

    def drawn_from(self, state: IncidentState) -> tuple[object, ...]:
        """The size-up, the severity, health (the suggestion, what fails) and the links (the
        people's, the steps' runbooks, the endpoints' dashboards)."""
        return (state.impact, state.severity, state.endpoints, state.alerts, state.links,
                state.protocols)

    def render_rows(self, state: IncidentState) -> list[Row]:
        rows = []
        for field in IMPACT_FIELDS:
            value = printable(state.impact.get(field, ""), one_line=True)
            line = Text()
            line.append(IMPACT_LABELS[field].ljust(LABEL_WIDTH), style=self.tone("dim"))
            if value and value != "unknown":
                line.append(value)
            else:
                line.append("? not known yet", style=self.tone("dim"))
            rows.append(Row(line, key=field))
        suggested = services_down(state)
        listed = {s.strip() for s in state.impact.get("services", "").split(",") if s.strip()}
        missing = [s for s in suggested if s not in listed]
        if missing:
            rows.append(Row(Text.assemble(" " * LABEL_WIDTH, ("↳ failing now: " + ", ".join(missing),
                                                               self.tone("warn"))), key="services"))
        rows.append(Row(Text("")))
        suggestion = suggest_severity(state.impact, self.matrix, HealthFacts.of(state))
        if suggestion.severity is None:
            rows.append(Row(Text("suggested severity: answer the size-up first", style=self.tone("dim"))))
        else:
            line = Text()
            line.append("suggested".ljust(LABEL_WIDTH), style=self.tone("dim"))
            line.append(f"{suggestion.severity} {SEVERITY_WORDS[suggestion.severity]}", style="bold")
            rows.append(Row(line))
            for reason in suggestion.reasons:
                rows.append(Row(Text("  · " + reason, style=self.tone("dim"))))
        if state.severity:
            line = Text()
            line.append("set by the lead".ljust(LABEL_WIDTH), style=self.tone("dim"))
            line.append(f"{state.severity} {SEVERITY_WORDS.get(state.severity, '')}")
            rows.append(Row(line))
            rows.append(Row(Text.assemble(" " * LABEL_WIDTH, ("s to change it", self.tone("dim")))))
            if suggestion.severity and severity_rank(suggestion.severity) < severity_rank(state.severity):
                rows.append(Row(Text("▲ the suggestion is higher: review with s", style=self.tone("warn"))))
        rows += self._link_rows(state)
        return rows

    def _link_rows(self, state: IncidentState) -> list[Row]:
        """At the foot: the bridge and the channel first (where responders go), as hyperlinks
        with their URLs, then how many links there are in all (``l`` lists them)."""
        links = every_link(state)
        if not links:
            return []
        first = [link for link in links if link.kind in ("bridge", "channel")][:3] or links[:1]
        rows = [Row(Text(""))]
        rows += [Row(link_line(link, self.width, dim=self.tone("dim"))) for link in first]
        more = f"l  all {len(links)} links: open, copy, add" if len(links) > len(first) else "l  links: open, copy, add"
        rows.append(Row(Text(more, style=self.tone("dim"))))
        return rows

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        if not self.may_record():
            return
        self.edit(event.key)

    @work(exclusive=True, group="impact-edit")
    async def edit(self, field: str) -> None:
        """Ask for one size-up answer and propose it when it changed."""
        current = self.state.impact.get(field, "")
        if field in IMPACT_CHOICES:
            options = [(value, value) for value in IMPACT_CHOICES[field]]
            answer = await self.app.push_screen_wait(
                ChoicePrompt(QUESTIONS[field], options, selected=current or "unknown"))
        else:
            value = current
            if field == "services" and services_down(self.state):
                listed = [s.strip() for s in current.split(",") if s.strip()]
                value = ", ".join(dict.fromkeys(listed + services_down(self.state)))
            answer = await self.app.push_screen_wait(
                TextPrompt(QUESTIONS[field], placeholder="e.g. checkout, payments", value=value))
        if answer is not None and answer != current:
            self.post_message(Propose(ImpactAssessed(field=field, value=answer)))
