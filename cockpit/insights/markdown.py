"""The insight document as Markdown: the same figures as the JSON and the Insights screen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cockpit.domain.durations import human_duration
from cockpit.domain.vocabulary import SEVERITIES
from cockpit.retro.markdown import md


def _span(seconds: float | None) -> str:
    return human_duration(seconds) if seconds is not None else "—"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["None.", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def render_markdown(doc: dict[str, Any]) -> str:
    since: date | None = doc["since"]
    generated: datetime = doc["generated_at"]
    counts = doc["sessions"]
    lines = ["# Insights across incidents", "",
             f"{counts['incidents']} incidents and {counts['drills']} drills"
             + (f" declared since {since:%Y-%m-%d}" if since else "")
             + f"; generated {generated:%Y-%m-%d %H:%M} UTC. Drills are counted apart from incidents.", ""]
    if counts["unreadable"]:
        lines += [f"{len(counts['unreadable'])} session files could not be read:", ""]
        lines += [f"- {md(u['path'])}: {md(u['problem'])}" for u in counts["unreadable"]] + [""]

    lines += ["## Incidents by severity over time", ""]
    lines += _table(["month", *SEVERITIES, "total"],
                    [[m["month"], *(str(m[s]) for s in SEVERITIES), str(sum(m[s] for s in SEVERITIES))]
                     for m in doc["incidents_by_month"]])

    lines += ["## Time to detect, mitigate and resolve", "",
              "Median and p90 (nearest rank) by worst severity; n is how many incidents had the moment.", ""]
    rows = []
    for severity, figures in doc["times_by_severity"].items():
        row = [severity, str(figures["incidents"])]
        for name in ("detect", "mitigate", "resolve"):
            f = figures[name]
            row.append(f"{_span(f['median_s'])} / {_span(f['p90_s'])} (n={f['n']})")
        rows.append(row)
    lines += _table(["severity", "incidents", "detect", "mitigate", "resolve"], rows)

    for title, key in (("Steps most often late", "steps_late"), ("Steps most often skipped", "steps_skipped")):
        lines += [f"## {title}", ""]
        lines += _table(["step", "incidents", "share"],
                        [[md(s["text"]), str(s["incidents"]), f"{s['share']:.0%}"] for s in doc[key]])

    lines += ["## Open action items by owner", ""]
    lines += _table(["owner", "open", "oldest", "median age", "< 7 days", "7–30 days", "> 30 days"],
                    [[md(a["owner"]), str(a["open"]), f"{a['oldest_days']:g} d", f"{a['median_age_days']:g} d",
                      str(a["by_age"]["under_7d"]), str(a["by_age"]["7_to_30d"]), str(a["by_age"]["over_30d"])]
                     for a in doc["open_actions"]])

    lines += ["## Responders: hours engaged and at night", "",
              f"Night is 22:00–06:00 in {md(doc['timezone'])}. A high night share is a burnout signal.", ""]
    lines += _table(["responder", "incidents", "engaged", "at night", "night share"],
                    [[md(r["handle"]), str(r["incidents"]), f"{r['engaged_h']:.1f} h", f"{r['night_h']:.1f} h",
                      f"{r['night_share']:.0%}"] for r in doc["responders"]])

    lines += ["## Drills and their scores", ""]
    lines += _table(["declared", "scenario", "score", "not met", "protocol version"],
                    [[(d["declared_at"] or "—")[:16].replace("T", " "), md(d["scenario"]),
                      "—" if d["total"] is None else f"{d['met']}/{d['total']}",
                      md("; ".join(d["missed"])) if d["missed"] else "—", md(d["protocol_version"])]
                     for d in doc["drills"]])

    lines += ["## Protocol versions", "",
              "Each version of a protocol in use, to compare before and after a revision.", ""]
    lines += _table(["protocol", "version", "first seen", "incidents", "late steps per incident",
                     "drills", "drill objectives met"],
                    [[md(p["protocol"]), md(p["version"]), (p["first_seen"] or "—")[:10], str(p["incidents"]),
                      "—" if p["late_steps_per_incident"] is None else f"{p['late_steps_per_incident']:g}",
                      str(p["drills"]),
                      "—" if p["drill_objectives_met"] is None else f"{p['drill_objectives_met']:.0%}"]
                     for p in doc["protocol_versions"]])
    return "\n".join(lines).rstrip() + "\n"
