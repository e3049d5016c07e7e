"""The report document as a Markdown postmortem draft.

The sections follow the usual postmortem template: summary, impact, the alerts that fired, key
metrics, responders, timeline (UTC), protocol adherence, decisions, follow-up actions, retro notes
under the three size-up questions, suggested protocol changes and when the postmortem meeting is
due.

Every piece of user text goes through :func:`md`: one line, no escape sequences, and nothing that
Markdown would read as structure (pipes, backticks, emphasis, links, HTML, a leading ``#``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from cockpit.domain.durations import clock_time, full_time, human_duration
from cockpit.domain.vocabulary import ROLE_TITLES
from cockpit.retro.report import QUESTIONS
from cockpit.text import printable

_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+")
"""A link target that needs no escaping in Markdown (no spaces, brackets, parentheses or pipes)."""


def md(text: Any) -> str:
    """User text made safe to place anywhere in Markdown, table cells included."""
    if text is None or text == "":
        return "—"
    cleaned = printable(str(text), one_line=True)
    cleaned = _INLINE.sub(r"\\\1", cleaned)
    return _LINE_START.sub(_escape_line_start, cleaned)


def _escape_line_start(match: re.Match[str]) -> str:
    """``# x`` → ``\\# x``; ``1. x`` → ``1\\. x`` (a digit cannot be escaped, its dot can)."""
    indent, mark = match.group(1), match.group(2)
    return f"{indent}{mark}\\" if mark[0].isdigit() else f"{indent}\\{mark}"


def when(moment: datetime | None) -> str:
    return full_time(moment) if moment else "—"


def clock(moment: datetime | None) -> str:
    return clock_time(moment) if moment else "—"


def span(seconds: float | None) -> str:
    return human_duration(seconds) if seconds is not None else "—"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _title(r: dict[str, Any]) -> list[str]:
    incident = r["incident"]
    drill = "DRILL — " if incident["drill"] else ""
    lines = [f"# {drill}Postmortem: {md(incident['title'] or '(not declared)')}", ""]
    if incident["drill"]:
        lines += ["> **DRILL.** This session was a practice drill, not a real incident: keep it out",
                  "> of incident metrics."]
        speed = incident.get("drill_speed")
        if speed and float(speed) != 1.0:
            lines += [f"> The scenario played at {float(speed):g}× speed: the times below are wall-clock"
                      " times, so scenario durations are that many times longer."]
        lines.append("")
    return lines


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(r: dict[str, Any]) -> list[str]:
    inc, m = r["incident"], r["metrics"]
    lines = ["## Summary", ""]
    if inc["declared_at"] is None:
        return lines + ["No incident was declared in this session.", ""]
    ended = (f"resolved at {when(inc['resolved_at'])} after {span(m['time_to_resolve_s'])}"
             if inc["resolved"] else f"not resolved when the record ends ({when(inc['end'])})")
    worst = f", at worst {inc['worst_severity']}" if inc["worst_severity"] != inc["severity"] else ""
    lines.append(f"{md(inc['title'])} was declared by {md(inc['declared_by'])} at "
                 f"{when(inc['declared_at'])} and {ended}. Final severity {inc['severity']}{worst};"
                 f" final status {inc['status']}; {_count(len(r['responders']), 'responder')}.")
    return lines + ["", "_Add two or three sentences: what broke, who noticed, what fixed it._", ""]


def _impact(r: dict[str, Any]) -> list[str]:
    impact, m = r["impact"], r["metrics"]
    lines = ["## Impact", ""]
    labels = [("customer_facing", "Customer facing"), ("users_affected", "Users affected"),
              ("regions", "Regions"), ("functionality", "Functionality"), ("data", "Data"),
              ("revenue", "Revenue"), ("services", "Services (assessed)")]
    lines += [f"- **{label}:** {md(impact.get(key) or 'not assessed')}" for key, label in labels]
    lines.append("")
    if m["time_in_severity_s"]:
        lines += ["Time in each severity:", ""]
        lines += _table(["Severity", "Time"], [[sev, span(s)] for sev, s in m["time_in_severity_s"].items()])
    affected = impact["endpoints_affected"]
    if affected:
        lines += ["Endpoints that went degraded or down:", ""]
        lines += _table(["Endpoint", "Service", "Time down", "Time degraded"],
                        [[md(e["name"]), md(e["service"]), span(e["downtime_s"]), span(e["degraded_s"])]
                         for e in affected])
    return lines


def link(text: str, url: str | None) -> str:
    """``[text](url)`` for a plain http(s) URL; anything else is shown as (escaped) text."""
    if not url:
        return "—"
    return f"[{text}]({url})" if _SAFE_URL.fullmatch(url) else md(url)


def _alerts(r: dict[str, Any]) -> list[str]:
    lines = ["## Alerts", ""]
    if not r["alerts"]:
        return lines + ["No alert was received from the monitoring.", ""]
    rows = []
    for a in r["alerts"]:
        lasted = (f"still firing ({span(a['duration_s'])} at the end of the record)" if a["still_firing"]
                  else f"{span(a['duration_s'])} (until {clock(a['ends_at'])})")
        fired = clock(a["starts_at"]) + (f", {a['episodes']} times" if a["episodes"] > 1 else "")
        rows.append([md(a["alertname"] or a["fingerprint"]), md(a["severity"]), md(a["summary"]), fired,
                     lasted, link("runbook", a["runbook_url"])])
    return lines + _table(["Alert", "Severity", "Summary", "Fired (UTC)", "Duration", "Runbook"], rows)


def _metrics(r: dict[str, Any]) -> list[str]:
    m = r["metrics"]
    rows = [
        ["Time to declare (first bad health signal → declared)", span(m["time_to_declare_s"])],
        ["Time to acknowledge (declared → commander assigned)", span(m["time_to_acknowledge_s"])],
        ["Time to mitigate (declared → monitoring)", span(m["time_to_mitigate_s"])],
        ["Time to resolve (declared → resolved)", span(m["time_to_resolve_s"])],
        ["Updates posted (internal / external)", f"{m['updates']['internal']} / {m['updates']['external']}"],
        ["Missed update intervals", str(len(m["missed_update_cadence"]))],
    ]
    lines = ["## Key metrics", ""]
    if r["incident"]["drill"]:
        lines += ["_Drill figures: not to be counted with real incidents._", ""]
    return lines + _table(["Metric", "Value"], rows)


def _responders(r: dict[str, Any]) -> list[str]:
    lines = ["## Responders", ""]
    if not r["responders"]:
        return lines + ["Nobody joined.", ""]
    rows = []
    for person in r["responders"]:
        roles = "; ".join(
            f"{ROLE_TITLES.get(t['role'], md(t['role']))} {clock(t['from'])}–{clock(t['to']) if t['to'] else 'end'}"
            for t in person["roles"]) or "—"
        status = md(person["final_status"]) if person["final_status"] else "wrote in, never joined"
        rows.append([md(person["handle"]), md(person["name"]), roles, span(person["engaged_s"]), status])
    return lines + _table(["Handle", "Name", "Roles (UTC)", "Time engaged", "Last status"], rows)


def _timeline(r: dict[str, Any]) -> list[str]:
    lines = ["## Timeline (UTC)", ""]
    rows = [[when(e["at"]), md(e["by"]), md(e["text"])] for e in r["timeline"]]
    return lines + _table(["Time", "Who", "What"], rows)


def _adherence(r: dict[str, Any]) -> list[str]:
    p = r["protocol"]
    lines = ["## Protocol adherence", ""]
    lines += [f"_{md(note)}_" for note in p["notes"]] + ([""] if p["notes"] else [])
    names = ", ".join(md(n) for n in p["names"]) or "none"
    lines += [f"Protocol {names}: {p['done']} of {p['total']} applicable steps done.", ""]
    sections = [
        ("Steps done late", p["late"], lambda s: f"{md(s['text'])} — done {span(s['late_by_s'])} late"
                                                 f" by {md(s['by'])}"),
        ("Steps skipped", p["skipped"], lambda s: f"{md(s['text'])} — skipped by {md(s['by'])}: "
                                                  f"{md(s['reason'] or 'no reason given')}"),
        ("Steps not done", p["not_done"], lambda s: f"{md(s['text'])}"
                                                    + (f" — overdue by {span(s['overdue_s'])}" if s["overdue_s"] else "")),
        ("Missed update cadence", p["missed_update_cadence"],
         lambda g: f"{g['audience']} update: {clock(g['from'])} → {clock(g['to'])}"
                   f"{'' if g['update_came'] else ' (no update before the end)'}: {span(g['gap_s'])}"
                   f" without an update, {span(g['late_by_s'])} over the {span(g['allowed_s'])} allowed"),
    ]
    for title, items, line in sections:
        lines += [f"### {title}", ""]
        lines += [f"- {line(item)}" for item in items] or ["None."]
        lines.append("")
    return lines


def _entries(title: str, items: list[dict[str, Any]], checkbox: bool = False) -> list[str]:
    lines = [f"## {title}", ""]
    mark = "[ ] " if checkbox else ""
    lines += [f"- {mark}{md(i['text'])} ({md(i['by'])}, {clock(i['at'])})" for i in items] or ["None recorded."]
    return lines + [""]


def _retro(r: dict[str, Any]) -> list[str]:
    lines = ["## Retro notes", ""]
    groups: list[tuple[str, str | None]] = [(q, key) for key, q in QUESTIONS.items()]
    groups.append(("Other notes", None))
    for title, key in groups:
        notes = [n for n in r["retro_notes"] if n["question"] == key]
        if not notes and key is None:
            continue
        lines += [f"### {title}", ""]
        lines += [f"- {md(n['text'])} (about {clock(n['about'])}, {md(n['by'])})" for n in notes] or ["None yet."]
        lines.append("")
    return lines


def _suggestions(r: dict[str, Any]) -> list[str]:
    lines = ["## Suggested protocol changes", ""]
    lines += [f"- {md(s['suggestion'])} Evidence: {md(s['evidence'])}" for s in r["suggestions"]] \
        or ["None: the protocol was followed as written."]
    return lines + [""]


def _meeting(r: dict[str, Any]) -> list[str]:
    due: date | None = r["incident"]["postmortem_due"]
    worst = r["incident"]["worst_severity"]
    lines = ["## Postmortem meeting", ""]
    if due:
        rule = "3 calendar days" if worst == "SEV1" else "5 business days"
        since = "the resolution" if r["incident"]["resolved"] else "the end of the record (not resolved)"
        lines.append(f"Due by {due:%A %Y-%m-%d} ({worst}: within {rule} of {since}).")
    else:
        lines.append(f"Not required for {worst or 'an undeclared incident'}; hold one if the team learns from it.")
    return lines + [""]


def render_markdown(report: dict[str, Any]) -> str:
    sections = [_title, _summary, _impact, _alerts, _metrics, _responders, _timeline, _adherence,
                lambda r: _entries("Decisions", r["decisions"]),
                lambda r: _entries("Follow-up actions", r["followups"], checkbox=True),
                _retro, _suggestions, _meeting]
    lines: list[str] = []
    for section in sections:
        lines += section(report)
    return "\n".join(lines).rstrip() + "\n"
