"""A session's digest: the few figures insight needs from one incident, as plain JSON.

Built from the session's postmortem report (the one fold, the one set of definitions), so insight
never disagrees with ``cockpit report``; kept small so that a cache of 200 digests reads in
milliseconds. Times are ISO 8601 UTC strings, durations seconds.

Where the report does not know a figure, the digest says null. Times to detect, mitigate and
resolve are the report's metrics (time to detect: the key moments ``impact_started`` →
``detected``; for a report without key moments, its ``time_to_declare_s``). Action items come
from ``action_items`` when the report tracks them (owner, status), else from follow-up actions,
open and unowned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.protocol import protocol_version
from cockpit.insights.cache import DIGEST_FORMAT
from cockpit.tomlfmt import toml_datetime


def _iso(moment: datetime | None) -> str | None:
    return toml_datetime(moment) if isinstance(moment, datetime) else None


def _version(events: Sequence[ev.Event]) -> tuple[str | None, str | None]:
    for event in events:
        if isinstance(event, ev.SessionConfigured):
            version = event.version or (protocol_version(event.steps) if event.steps else None)
            return event.protocol, version
    return None, None


def engaged_spans(events: Sequence[ev.Event], closing: datetime | None) -> dict[str, list[list[str]]]:
    """Per person, the spans they were ``engaged`` (from joining or turning engaged to their next
    status, or to the end of the incident)."""
    if closing is None:
        return {}
    since: dict[str, datetime] = {}
    spans: dict[str, list[list[str]]] = {}
    for event in events:
        if event.at > closing:
            break
        if isinstance(event, (ev.MemberJoined, ev.MemberStatusChanged)):
            handle, status = event.handle, event.status
            if status == "engaged":
                since.setdefault(handle, event.at)
            elif handle in since:
                start = since.pop(handle)
                if event.at > start:
                    spans.setdefault(handle, []).append([toml_datetime(start), toml_datetime(event.at)])
    for handle, start in since.items():
        if closing > start:
            spans.setdefault(handle, []).append([toml_datetime(start), toml_datetime(closing)])
    return spans


def _actions(report: dict[str, Any]) -> list[dict[str, Any]]:
    tracked = report.get("action_items")
    if isinstance(tracked, list):
        return [{"text": str(a.get("text", "")), "owner": a.get("owner"),
                 "status": str(a.get("status") or "open"), "opened_at": _iso(a.get("at"))}
                for a in tracked if isinstance(a, dict)]
    return [{"text": f["text"], "owner": None, "status": "open", "opened_at": _iso(f["at"])}
            for f in report["followups"]]


def digest(path: str, header: dict[str, Any], events: Sequence[ev.Event],
           report: dict[str, Any]) -> dict[str, Any]:
    """The digest of one session, from its events and its report."""
    incident, metrics, protocol = report["incident"], report["metrics"], report["protocol"]
    name, version = _version(events)
    detect = metrics.get("time_to_detect_s", metrics.get("time_to_declare_s"))
    objectives = report.get("objectives")
    closing = incident["resolved_at"] or incident["end"]
    return {
        "format": DIGEST_FORMAT,
        "path": path,
        "session": incident["session"],
        "title": incident["title"],
        "drill": incident["drill"],
        "scenario": header.get("scenario") if incident["drill"] else None,
        "declared_at": _iso(incident["declared_at"]),
        "resolved_at": _iso(incident["resolved_at"]),
        "severity": incident["worst_severity"],
        "protocol": name,
        "protocol_version": version,
        "time_to_detect_s": detect,
        "time_to_mitigate_s": metrics.get("time_to_mitigate_s"),
        "time_to_resolve_s": metrics.get("time_to_resolve_s"),
        "late_steps": [{"id": r["id"], "text": r["text"]} for r in protocol["late"]],
        "skipped_steps": [{"id": r["id"], "text": r["text"]} for r in protocol["skipped"]],
        "actions": _actions(report),
        "engaged": engaged_spans(events, closing),
        "objectives": None if not objectives else {
            "met": objectives["met"], "total": objectives["total"],
            "scores": [{"objective": s["objective"], "outcome": s["outcome"]} for s in objectives["scores"]]},
    }
