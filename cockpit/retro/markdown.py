"""The report document as a Markdown postmortem draft.

The sections follow PagerDuty's postmortem template and the Google SRE book's example
(cockpit.retro.postmortem, docs/postmortem.md): the review's status, summary, impact, detection,
root cause, trigger, contributing factors, resolution, the alerts that fired, key metrics and
moments, responders, timeline (UTC), protocol adherence, the updates sent, action items, lessons
learned, supporting links, retro notes under the three size-up questions, suggested protocol
changes, when the postmortem meeting is due, and what the record does not say yet.

Every piece of user text goes through :func:`md`: one line, no escape sequences, and nothing that
Markdown would read as structure (pipes, backticks, emphasis, links, HTML, a leading ``#``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from cockpit.domain.durations import clock_time, full_time, human_duration
from cockpit.domain.vocabulary import ROLE_TITLES
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


def _review(r: dict[str, Any]) -> list[str]:
    """Where the postmortem stands, under its title: status, owner, reviewers, review date."""
    review = r["postmortem"]["review"]
    reviewers = ", ".join(md(name) for name in review["reviewers"]) or "—"
    return [f"**Status:** {md(review['status'].replace('_', ' '))} · **Owner:** {md(review['owner'])}"
            f" · **Reviewers:** {reviewers} · **Review date:** {md(review['date'])}", ""]


def _written(section: dict[str, Any], *, about: bool = True) -> list[str]:
    """A section people write: its notes, or the gap and how to fill it."""
    if not section["notes"]:
        return [f"_Not written yet: {md(section['gap'])}_", ""]
    return [f"- {md(n['text'])}" + (f" (about {clock(n['about'])}, {md(n['by'])})" if about and n["about"]
                                     else f" ({md(n['by'])})") for n in section["notes"]] + [""]


def _summary(r: dict[str, Any]) -> list[str]:
    inc, m, pm = r["incident"], r["metrics"], r["postmortem"]
    lines = ["## Summary", ""]
    if inc["declared_at"] is None:
        return lines + ["No incident was declared in this session.", ""]
    if pm["summary"]["notes"]:
        lines += [md(n["text"]) for n in pm["summary"]["notes"]] + [""]
    ended = (f"resolved at {when(inc['resolved_at'])} after {span(m['time_to_resolve_s'])}"
             if inc["resolved"] else f"not resolved when the record ends ({when(inc['end'])})")
    worst = f", at worst {inc['worst_severity']}" if inc["worst_severity"] != inc["severity"] else ""
    outage = f" Service was affected for {span(m['outage_s'])}." if m["outage_s"] is not None else ""
    lines.append(f"{md(inc['title'])} was declared by {md(inc['declared_by'])} at "
                 f"{when(inc['declared_at'])} and {ended}. Final severity {inc['severity']}{worst};"
                 f" final status {inc['status']}; {_count(len(r['responders']), 'responder')}.{outage}")
    if not pm["summary"]["notes"]:
        lines += ["", f"_Add two or three sentences: what broke, who noticed, what fixed it"
                      f" ({md(pm['summary']['gap'])})._"]
    return lines + [""]


def _detection(r: dict[str, Any]) -> list[str]:
    d = r["postmortem"]["detection"]
    lines = ["## Detection", ""]
    if d["at"] is None:
        lines.append("_Not in the record: mark when it was detected (moment.marked moment=detected)._")
    else:
        how = " (inferred from the record)" if d["inferred"] else ""
        lines.append(f"Detected at {when(d['at'])}{how}, by {md(d['by'])}; time to detect"
                     f" {span(d['time_to_detect_s'])}.")
    lines.append("")
    if d["notes"]["notes"]:
        lines += _written(d["notes"], about=False)
    return lines


def _story(title: str, key: str) -> Any:
    def section(r: dict[str, Any]) -> list[str]:
        return [f"## {title}", ""] + _written(r["postmortem"][key], about=False)
    return section


def _resolution(r: dict[str, Any]) -> list[str]:
    """What people wrote of the resolution, and the decisions the record holds."""
    lines = ["## Resolution", ""] + _written(r["postmortem"]["resolution"], about=False)
    if r["decisions"]:
        lines += ["Decisions recorded during the incident:", ""]
        lines += [f"- {md(d['text'])} ({md(d['by'])}, {clock(d['at'])})" for d in r["decisions"]] + [""]
    return lines


def _impact(r: dict[str, Any]) -> list[str]:
    impact, m = r["impact"], r["metrics"]
    lines = ["## Impact", ""]
    labels = [("customer_facing", "Customer facing"), ("users_affected", "Users affected"),
              ("regions", "Regions"), ("functionality", "Functionality"), ("data", "Data"),
              ("revenue", "Revenue"), ("services", "Services (assessed)")]
    quantified = r["postmortem"]["impact"]["quantified"]
    lines.append(f"- **Quantified:** {md(quantified) if quantified else '_not entered (impact.assessed field=quantified)_'}")
    lines += [f"- **{label}:** {md(impact.get(key) or 'not assessed')}" for key, label in labels]
    lines.append("")
    notes = r["postmortem"]["impact"]["notes"]
    if notes["notes"]:
        lines += _written(notes)
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
        ["Time to detect (impact started → detected)", span(m["time_to_detect_s"])],
        ["Time to declare (first bad health signal → declared)", span(m["time_to_declare_s"])],
        ["Time to acknowledge (declared → commander assigned)", span(m["time_to_acknowledge_s"])],
        ["Time to mitigate (declared → mitigated)", span(m["time_to_mitigate_s"])],
        ["Time to restore (declared → service restored)", span(m["time_to_restore_s"])],
        ["Outage (impact started → service restored)", span(m["outage_s"])],
        ["Time to resolve (declared → resolved)", span(m["time_to_resolve_s"])],
        ["Updates posted (internal / external)", f"{m['updates']['internal']} / {m['updates']['external']}"],
        ["Missed update intervals", str(len(m["missed_update_cadence"]))],
    ]
    lines = ["## Key metrics", ""]
    if r["incident"]["drill"]:
        lines += ["_Drill figures: not to be counted with real incidents._", ""]
    lines += _table(["Metric", "Value"], rows)
    moments = [[md(k["moment"].replace("_", " ")), when(k["at"]),
                ("inferred: " if k["inferred"] and k["at"] else "") + md(k["source"])]
               for k in r["postmortem"]["moments"]]
    return lines + ["Key moments (UTC):", ""] + _table(["Moment", "At", "From"], moments)


def _action_items(r: dict[str, Any]) -> list[str]:
    """The follow-up actions as things to track: owner, type, priority, due, ticket, status."""
    lines = ["## Action items", ""]
    items = r["postmortem"]["action_items"]
    if not items:
        return lines + ["None recorded.", ""]
    rows = [[f"#{a['seq']}", md(a["text"]), md(a["type"]), md(a["owner"]), md(a["priority"]), md(a["due"]),
             md(a["ticket"]), a["status"].upper()] for a in items]
    return lines + _table(["#", "Action item", "Type", "Owner", "Priority", "Due", "Ticket", "Status"], rows)


def _lessons(r: dict[str, Any]) -> list[str]:
    pm = r["postmortem"]
    lines = ["## Lessons learned", ""]
    for title, key in (("What went well", "went_well"), ("What went wrong", "went_wrong"),
                       ("Where we got lucky", "lucky")):
        lines += [f"### {title}", ""] + _written(pm[key], about=False)
    return lines


def _supporting(r: dict[str, Any]) -> list[str]:
    links = r["postmortem"]["links"]
    lines = ["## Supporting information", ""]
    lines += [f"- {md(k['kind'])}: {link(md(k['label']), k['url'])}" for k in links] or ["No links recorded."]
    return lines + [""]


def _gaps(r: dict[str, Any]) -> list[str]:
    gaps = r["postmortem"]["gaps"]
    if not gaps:
        return []
    return ["## What the record does not say yet", ""] + [f"- {md(g)}" for g in gaps] + [""]


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


def _updates(r: dict[str, Any]) -> list[str]:
    """Each status update sent, and where it arrived or why it did not."""
    lines = ["## Status updates and deliveries", ""]
    for u in r["updates"]:
        first = (u["text"].splitlines() or [""])[0]
        lines.append(f"- {clock(u['at'])} {u['audience']} update #{u['seq']} ({md(u['by'])}): {md(first)}")
        for d in u.get("deliveries", []):
            tries = f" after {d['attempts']} attempts" if d["attempts"] > 1 else ""
            outcome = "delivered" if d["ok"] else "**not delivered**"
            lines.append(f"  - {outcome} to {md(d['destination'])}{tries} ({md(d['detail'])})")
    if not r["updates"]:
        lines.append("None sent.")
    return lines + [""]


def _retro(r: dict[str, Any]) -> list[str]:
    lines = ["## Retro notes", ""]
    from cockpit.retro.postmortem import QUESTIONS  # here: md() alone (insights) needs no report

    groups: list[tuple[str, str | None]] = [(q, key) for key, q in QUESTIONS.items()]
    groups.append(("Other notes", None))
    for title, key in groups:
        # notes placed in a postmortem section show there, not again here
        notes = [n for n in r["retro_notes"] if n["question"] == key and (key or not n.get("category"))]
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


_OUTCOME_WORDS = {"met": "✔ met", "late": "✘ late", "missed": "✘ missed"}


def _objectives(r: dict[str, Any]) -> list[str]:
    """A drill's objectives and how the team scored, in scenario time."""
    drill = r.get("objectives")
    if not drill:
        return []
    lines = ["## Drill objectives", "",
             f"Score: {drill['met']} of {drill['total']} met (scenario time, at {drill['speed']:g}x speed).", ""]
    rows = [[md(s["objective"]), _OUTCOME_WORDS[s["outcome"]],
             "—" if s["achieved_s"] is None else f"T+{span(s['achieved_s'])}",
             span(s["late_by_s"]) if s["late_by_s"] else "—"] for s in drill["scores"]]
    lines += _table(["objective", "outcome", "achieved", "late by"], rows) if rows else []
    lines += [f"- {md(note)}" for note in drill["notes"]]
    return lines + ([""] if drill["notes"] else [])


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
    sections = [_title, _review, _summary, _impact, _detection, _story("Root cause", "root_cause"),
                _story("Trigger", "trigger"), _story("Contributing factors", "contributing"),
                _resolution, _alerts, _metrics, _responders, _timeline, _adherence, _updates,
                _action_items, _lessons, _supporting, _retro, _objectives, _suggestions, _meeting,
                _gaps]
    lines: list[str] = []
    for section in sections:
        lines += section(report)
    return "\n".join(lines).rstrip() + "\n"
