"""Insight across incidents: one document built from the saved sessions' digests.

``gather`` reads the sessions (through the digest cache); ``build`` turns their digests into the
document that ``cockpit insights`` writes as JSON or Markdown and the Insights screen charts: one
model, three renderings, the same figures. Drills are kept apart: every figure about incidents
counts real incidents only, and drills have a section of their own.

Definitions (docs/insights.md):

- *median* is the middle value (the mean of the two middle ones for an even count); *p90* is the
  nearest-rank 90th percentile: the smallest value at least 90 % of the values do not exceed.
- An incident belongs to the month (UTC) and severity of its declaration and its worst severity.
- Open action items are those whose status is ``open``; their age runs from when they were
  written to now.
- Engaged hours add up each person's spans as ``engaged``; night hours are the part of those spans
  between 22:00 and 06:00 in the configured time zone (``[insights] timezone``, UTC by default).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cockpit.domain.vocabulary import SEVERITIES
from cockpit.insights.cache import DigestCache, fingerprint

if TYPE_CHECKING:
    from cockpit.settings import Config

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(6, 0)
TOP_STEPS = 10


@dataclass
class Gathered:
    digests: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0


def read_digest(path: Path, config: Config | None) -> dict[str, Any]:
    """Fold one session and digest its report (what a cache miss costs; a warm run never
    imports the fold or the report)."""
    from cockpit.insights.digest import digest
    from cockpit.retro.replay import SavedSession
    from cockpit.retro.report import build_report

    saved = SavedSession.read(path)
    report = build_report(saved.header, saved.events, config=config)
    return digest(str(path), saved.header, saved.events, report)


def gather(paths: Iterable[Path], *, config: Config | None = None,
           cache: DigestCache | None = None) -> Gathered:
    """The digests of these session files, from the cache where it still matches the file."""
    cache = cache if cache is not None else DigestCache().load()
    out = Gathered()
    seen: set[str] = set()
    for path in paths:
        seen.add(str(path))
        key = fingerprint(path)
        found = cache.get(path, key)
        if found is None:
            try:
                found = read_digest(path, config)
            except Exception as exc:  # noqa: BLE001 - one broken file must not hide the others
                out.unreadable.append({"path": str(path), "problem": str(exc).splitlines()[0][:200]})
                continue
            if key is not None and fingerprint(path) == key:  # unchanged while it was read
                cache.put(path, key, found)
        out.digests.append(found)
    cache.keep_only(seen)
    cache.save()
    out.cache_hits, out.cache_misses = cache.hits, cache.misses
    return out


# -- figures ------------------------------------------------------------------------------------


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def median_p90(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median_s": None, "p90_s": None}
    ordered = sorted(values)
    rank = max(math.ceil(0.9 * len(ordered)), 1)
    return {"n": len(ordered), "median_s": round(statistics.median(ordered), 3),
            "p90_s": round(ordered[rank - 1], 3)}


@lru_cache(maxsize=4096)
def _night(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The night that starts on ``day`` in ``zone``, in UTC (many spans share their nights)."""
    return (datetime.combine(day, NIGHT_STARTS, zone).astimezone(timezone.utc),
            datetime.combine(day + timedelta(days=1), NIGHT_ENDS, zone).astimezone(timezone.utc))


def night_seconds(start: datetime, end: datetime, zone: ZoneInfo) -> float:
    """Seconds of [start, end) between 22:00 and 06:00 local to ``zone``."""
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        night_from, night_to = _night(day, zone)
        overlap = min(end, night_to) - max(start, night_from)
        total += max(overlap.total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def _steps(real: list[dict[str, Any]], which: str) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for d in real:
        for step in {s["id"]: s for s in d[which]}.values():
            counts[step["id"]] += 1
            texts[step["id"]] = step["text"]
    return [{"id": i, "text": texts[i], "incidents": n, "share": round(n / len(real), 3)}
            for i, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_STEPS]]


def _actions(real: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    owners: dict[str, list[float]] = defaultdict(list)
    for d in real:
        for action in d["actions"]:
            if action["status"] != "open":
                continue
            opened = _time(action["opened_at"])
            age = (now - opened).total_seconds() / 86400 if opened else 0.0
            owners[action["owner"] or "(unowned)"].append(max(age, 0.0))
    rows = []
    for owner, ages in owners.items():
        rows.append({"owner": owner, "open": len(ages), "oldest_days": round(max(ages), 1),
                     "median_age_days": round(statistics.median(ages), 1),
                     "by_age": {"under_7d": sum(a < 7 for a in ages),
                                "7_to_30d": sum(7 <= a < 30 for a in ages),
                                "over_30d": sum(a >= 30 for a in ages)}})
    return sorted(rows, key=lambda r: (-r["open"], -r["oldest_days"], r["owner"]))


def _responders(real: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    engaged: dict[str, float] = defaultdict(float)
    night: dict[str, float] = defaultdict(float)
    incidents: Counter[str] = Counter()
    for d in real:
        for handle, spans in d["engaged"].items():
            incidents[handle] += 1
            for start_text, end_text in spans:
                start, end = _time(start_text), _time(end_text)
                if start and end and end > start:
                    engaged[handle] += (end - start).total_seconds()
                    night[handle] += night_seconds(start, end, zone)
    rows = [{"handle": h, "incidents": incidents[h], "engaged_h": round(engaged[h] / 3600, 2),
             "night_h": round(night[h] / 3600, 2),
             "night_share": round(night[h] / engaged[h], 3) if engaged[h] else 0.0}
            for h in incidents]
    return sorted(rows, key=lambda r: (-r["engaged_h"], r["handle"]))


def _drills(drills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for d in sorted(drills, key=lambda d: d["declared_at"] or ""):
        score = d["objectives"] or {}
        rows.append({"session": d["session"], "scenario": d["scenario"], "declared_at": d["declared_at"],
                     "protocol": d["protocol"], "protocol_version": d["protocol_version"],
                     "met": score.get("met"), "total": score.get("total"),
                     "missed": [s["objective"] for s in score.get("scores", []) if s["outcome"] != "met"]})
    return rows


def _protocol_versions(digests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each protocol version in use, with how its incidents went: before and after a revision."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in digests:
        if d["protocol"] and d["protocol_version"]:
            groups[(d["protocol"], d["protocol_version"])].append(d)
    rows = []
    for (name, version), group in groups.items():
        real = [d for d in group if not d["drill"]]
        drills = [d for d in group if d["drill"] and d["objectives"]]
        rows.append({"protocol": name, "version": version,
                     "first_seen": min((d["declared_at"] or "") for d in group) or None,
                     "incidents": len(real), "drills": len(group) - len(real),
                     "late_steps_per_incident": round(sum(len(d["late_steps"]) for d in real) / len(real), 2)
                     if real else None,
                     "drill_objectives_met": round(sum(d["objectives"]["met"] for d in drills)
                                                   / max(sum(d["objectives"]["total"] for d in drills), 1), 3)
                     if drills else None})
    return sorted(rows, key=lambda r: (r["protocol"], r["first_seen"] or ""))


def build(gathered: Gathered, *, now: datetime, since: date | None = None,
          zone: ZoneInfo | None = None) -> dict[str, Any]:
    """The insight document over the gathered digests declared on or after ``since``."""
    zone = zone or ZoneInfo("UTC")
    chosen = [d for d in gathered.digests if d["declared_at"]
              and (since is None or _time(d["declared_at"]).date() >= since)]  # type: ignore[union-attr]
    real = [d for d in chosen if not d["drill"]]
    drills = [d for d in chosen if d["drill"]]
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for d in real:
        months[d["declared_at"][:7]][d["severity"] or "unknown"] += 1
    times = {}
    for severity in SEVERITIES:
        group = [d for d in real if d["severity"] == severity]
        if group:
            times[severity] = {
                name: median_p90([d[f"time_to_{name}_s"] for d in group if d[f"time_to_{name}_s"] is not None])
                for name in ("detect", "mitigate", "resolve")} | {"incidents": len(group)}
    return {
        "generated_at": now,
        "since": since,
        "timezone": str(zone),
        "sessions": {"incidents": len(real), "drills": len(drills), "unreadable": gathered.unreadable},
        "incidents_by_severity": {s: sum(1 for d in real if d["severity"] == s) for s in SEVERITIES},
        "incidents_by_month": [{"month": m, **{s: months[m].get(s, 0) for s in SEVERITIES}}
                               for m in sorted(months)],
        "times_by_severity": times,
        "steps_late": _steps(real, "late_steps"),
        "steps_skipped": _steps(real, "skipped_steps"),
        "open_actions": _actions(real, now),
        "responders": _responders(real, zone),
        "drills": _drills(drills),
        "protocol_versions": _protocol_versions(chosen),
    }
