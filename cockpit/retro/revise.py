"""``cockpit protocol revise SESSION… [-o FILE] [--force]``: a better protocol, proposed from the record.

The reports of one or more sessions that followed the same protocol say where it did not fit:
steps done late, steps skipped, update cadences that overran, notes saying a step is missing,
steps nobody ever used. Each becomes one change to the protocol file, with a comment above the
step naming the sessions that motivated it:

- **late** (a one-off step done after its due time): its ``due`` moves later, to the latest it
  was done, in whole minutes; when everyone who did it held one other role, that role owns it.
- **skipped** at some severities and never done there: ``when`` keeps only the severities where
  it was done or that are worse than any where it was skipped (a step skipped at SEV2 and never
  done becomes SEV1-only); one skipped everywhere it applied is proposed for removal.
- **missed cadence** (a recurring update that overran): ``every`` becomes the median interval the
  team really kept, rounded up to 5 minutes.
- **missing step** notes ("missing step: page the database on-call"): a new step with that text.
- **never used** (in resolved incidents only, where "not done" means something): a one-off step
  never done nor skipped, or a recurring one never done, is proposed for removal.

The proposal is made by editing the protocol file's own text, step by step, so the diff shows
only the changes; a removed step stays in the file as comments. It is validated as a protocol
before it is written or shown. The original file is never written.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cockpit.domain.durations import format_duration, human_duration
from cockpit.domain.protocol import Step, protocol_version
from cockpit.domain.vocabulary import SEVERITIES, severity_rank
from cockpit.errors import EXIT_OK, RuntimeFailure, UsageError
from cockpit.files import create_private, replace_private
from cockpit.paths import slugify
from cockpit.settings import ConfigError, config_if_readable, ProtocolFile, find_named, load_model
from cockpit.text import printable
from cockpit.tomlfmt import parse_toml, toml_string, toml_value

_STEPS_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*steps[ \t]*\]\][ \t]*(#.*)?$")
_MISSING_PREFIX = re.compile(r"^\s*(?:missing step|add (?:a|the|one) step(?: for| to)?|"
                             r"no step (?:for|to))\s*[:,-]?\s*", re.IGNORECASE)


@dataclass
class Change:
    """One proposed change: which step, what, and the sessions that motivated it."""

    step: str
    action: str  # "due", "owner", "when", "every", "add", "remove"
    value: Any
    reason: str

    def comment(self) -> str:
        return printable(f"# revised: {self.reason}", one_line=True)


@dataclass
class SessionFacts:
    """What one session's report says about each step of the protocol."""

    name: str
    resolved: bool
    worst: str | None
    rows: dict[str, dict[str, Any]]
    missed: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    roles_at: Any = None


@dataclass
class Revision:
    protocol: ProtocolFile
    source: Path
    text: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        return protocol_version(self.protocol.steps)


# -- facts from the reports ---------------------------------------------------------------------


def _role_at(report: dict[str, Any], handle: str | None, moment: datetime | None) -> str | None:
    """The role ``handle`` held at ``moment`` (the commander's first, if several)."""
    if not handle or moment is None:
        return None
    held = []
    for responder in report["responders"]:
        if responder["handle"] != handle:
            continue
        for term in responder["roles"]:
            if term["from"] <= moment and (term["to"] is None or moment < term["to"]):
                held.append(term["role"])
    return held[0] if len(held) == 1 else None


def facts_of(report: dict[str, Any]) -> SessionFacts:
    rows = {row["id"]: row for row in report["protocol"]["steps"]}
    for row in rows.values():
        row["role_of_doer"] = _role_at(report, row["by"], row["at"]) if row["state"] == "done" else None
    return SessionFacts(
        name=report["incident"]["session"] or "(unnamed)", resolved=report["incident"]["resolved"],
        worst=report["incident"]["worst_severity"], rows=rows,
        missed=report["protocol"]["missed_update_cadence"],
        missing=[s["note"] for s in report["suggestions"] if s["kind"] == "missing" and s.get("note")])


def _names(sessions: list[SessionFacts]) -> str:
    shown = ", ".join(s.name for s in sessions[:4])
    return shown + (f" and {len(sessions) - 4} more" if len(sessions) > 4 else "")


def _ceil_minutes(seconds: float, step: int = 1) -> timedelta:
    return timedelta(minutes=step * math.ceil(seconds / 60 / step))


# -- the rules ----------------------------------------------------------------------------------


def propose(protocol: ProtocolFile, sessions: list[SessionFacts]) -> list[Change]:
    """The changes the sessions' reports argue for, step by step, in the protocol's order."""
    changes: list[Change] = []
    removed: set[str] = set()
    for step in protocol.steps:
        seen = [s for s in sessions if step.id in s.rows and s.rows[step.id]["applies"]]
        if not seen:
            continue
        change = _never_used(step, seen) or _skipped(step, protocol, seen)
        if change is not None:
            changes.append(change)
            if change.action == "remove":
                removed.add(step.id)
                continue
        changes += _late(step, seen) + _cadence(step, seen)
    changes += _missing(protocol, sessions)
    return changes


def _late(step: Step, seen: list[SessionFacts]) -> list[Change]:
    if step.recurring or step.due is None:
        return []
    late = [(s, s.rows[step.id]) for s in seen if s.rows[step.id]["late_by_s"]]
    if not late:
        return []
    worst = max(row["late_by_s"] for _, row in late)
    new_due = _ceil_minutes(step.due.total_seconds() + worst)
    detail = ", ".join(f"{s.name} (by {human_duration(row['late_by_s'])})" for s, row in late[:4])
    out = [Change(step.id, "due", new_due,
                  f"due {format_duration(step.due)} → {format_duration(new_due)}: done late in "
                  f"{len(late)} of {len(seen)} sessions: {detail}")]
    roles = {row["role_of_doer"] for _, row in late}
    if len(roles) == 1 and None not in roles and step.owner not in roles:
        role = roles.pop()
        out.append(Change(step.id, "owner", role,
                          f"owner {step.owner or '(none)'} → {role}: the {role} did it each time it"
                          f" was late ({_names([s for s, _ in late])})"))
    return out


def _skipped(step: Step, protocol: ProtocolFile, seen: list[SessionFacts]) -> Change | None:
    if step.recurring:
        return None
    skipped = [s for s in seen if s.rows[step.id]["state"] == "skipped"]
    if not skipped:
        return None
    done_at = {s.worst for s in seen if s.rows[step.id]["state"] == "done" and s.worst}
    skip_only = {s.worst for s in skipped if s.worst and s.worst not in done_at}
    reasons = "; ".join(f"{s.name} at {s.worst or '?'}: {s.rows[step.id]['reason'] or 'no reason given'}"
                        for s in skipped[:4])
    said = f"skipped in {len(skipped)} of {len(seen)} sessions ({reasons})"
    if not skip_only:
        return None  # skipped where it was also done: nothing the protocol's shape can say
    base = step.when or protocol.when or SEVERITIES
    cut = min(severity_rank(s) for s in skip_only)
    keep = tuple(s for s in SEVERITIES if s in base and (s in done_at or severity_rank(s) < cut))
    if not keep:
        return Change(step.id, "remove", None, f"removed: {said}, never done where it applied")
    if keep == tuple(base):
        return None
    return Change(step.id, "when", keep, f"when = {list(keep)}: {said}")


def _cadence(step: Step, seen: list[SessionFacts]) -> list[Change]:
    if not step.recurring or step.every is None:
        return []
    gaps = [(s, gap) for s in seen for gap in s.missed if gap["step"] == step.id]
    if not gaps:
        return []
    kept = statistics.median(gap["gap_s"] for _, gap in gaps)
    new_every = max(_ceil_minutes(kept, 5), step.every + timedelta(minutes=5))
    sessions = list(dict.fromkeys(s.name for s, _ in gaps))
    return [Change(step.id, "every", new_every,
                   f"every {format_duration(step.every)} → {format_duration(new_every)}: {len(gaps)}"
                   f" interval{'s' if len(gaps) > 1 else ''} overran in {', '.join(sessions[:4])} (median kept:"
                   f" {human_duration(kept)})")]


NEVER_USED_AFTER = 2
"""Resolved incidents a step must go unused in before its removal is proposed: one incident
typed up sparsely says little about a step."""


def _never_used(step: Step, seen: list[SessionFacts]) -> Change | None:
    resolved = [s for s in seen if s.resolved]
    if len(resolved) < NEVER_USED_AFTER:
        return None
    if step.recurring:
        unused = all(s.rows[step.id]["times_done"] == 0 for s in resolved)
    else:
        unused = all(s.rows[step.id]["state"] == "open" for s in resolved)
    if not unused:
        return None
    return Change(step.id, "remove", None,
                  f"removed: never used in {len(resolved)} resolved incidents ({_names(resolved)})")


def _step_id(text: str, limit: int = 32) -> str:
    """A step id from its text, cut at a word: ``page-the-payments-on-call``."""
    words = slugify(text, 200).split("-")
    ident = words[0][:limit]
    for word in words[1:]:
        if len(ident) + 1 + len(word) > limit:
            break
        ident += "-" + word
    return ident


def _missing(protocol: ProtocolFile, sessions: list[SessionFacts]) -> list[Change]:
    taken = {s.id for s in protocol.steps}
    out: list[Change] = []
    for session in sessions:
        for note in session.missing:
            text = _MISSING_PREFIX.sub("", note["text"], count=1).strip() or note["text"].strip()
            text = printable(text, one_line=True)[:200]
            text = text[:1].upper() + text[1:]
            slug = _step_id(text)
            ident, n = slug, 2
            while ident in taken:
                ident, n = f"{slug}-{n}", n + 1
            taken.add(ident)
            out.append(Change(ident, "add", text,
                              f"added: {note['kind']} by {note['by']} in {session.name}: "
                              f"{printable(note['text'], one_line=True)}"))
    return out


# -- editing the file's text --------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, timedelta):
        return toml_string(format_duration(value))
    return toml_value(list(value) if isinstance(value, tuple) else value)


def _set_key(lines: list[str], key: str, value: str) -> list[str]:
    """``key = value`` in one step's block: the line replaced, or added after the last key."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i, line in enumerate(lines):
        if pattern.match(line):
            end = i + 1
            depth = line.count("[") - line.count("]")
            while depth > 0 and end < len(lines):  # an array written over several lines
                depth += lines[end].count("[") - lines[end].count("]")
                end += 1
            return lines[:i] + [f"{key} = {value}"] + lines[end:]
    last = max((i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")),
               default=0)
    return lines[:last + 1] + [f"{key} = {value}"] + lines[last + 1:]


def apply_changes(text: str, protocol: ProtocolFile, changes: list[Change], header: str) -> str:
    """The file's text with the changes made, block by block; raises ValueError when the steps
    are not written as ``[[steps]]`` tables one per step."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _STEPS_HEADER.match(line)]
    if len(starts) != len(protocol.steps):
        raise ValueError("the steps are not written as one [[steps]] table each")
    preamble = lines[:starts[0]]
    blocks = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]
    by_step: dict[str, list[Change]] = {}
    for change in changes:
        by_step.setdefault(change.step, []).append(change)
    out = [header, *preamble]
    for step, block in zip(protocol.steps, blocks):
        trailing = 0
        while trailing < len(block) - 1 and not block[-1 - trailing].strip():
            trailing += 1
        body, blank = block[:len(block) - trailing], block[len(block) - trailing:]
        mine = by_step.get(step.id, [])
        if any(c.action == "remove" for c in mine):
            out += [c.comment() for c in mine] + [f"# {line}" if line.strip() else "#" for line in body] + blank
            continue
        for change in mine:
            body = _set_key(body, change.action, _value(change.value))
        out += [c.comment() for c in mine] + body + blank
    for change in changes:
        if change.action == "add":
            if out and out[-1].strip():
                out.append("")
            out += [change.comment(), "[[steps]]", f"id = {toml_string(change.step)}",
                    f"text = {toml_string(change.value)}"]
    return "\n".join(out) + "\n"


def recorded_version(events: Any) -> str | None:
    """The version of the protocol a session followed: as recorded in ``session.configured``,
    or computed from the steps it snapshotted (sessions recorded before versions were kept)."""
    from cockpit.domain import events as ev

    for event in events:
        if isinstance(event, ev.SessionConfigured):
            return event.version or (protocol_version(event.steps) if event.steps else None)
    return None


def revise(protocol_path: Path, reports: list[dict[str, Any]],
           versions: list[str | None] | None = None) -> Revision:
    """The proposed revision of the protocol file at ``protocol_path`` from these reports
    (``versions``: the protocol version each session followed, to say when the file moved on)."""
    protocol = load_model(protocol_path, ProtocolFile)
    original = protocol_path.read_text(encoding="utf-8")
    sessions = [facts_of(r) for r in reports]
    changes = propose(protocol, sessions)
    notes = []
    current = protocol_version(protocol.steps)
    for report, recorded in zip(reports, versions or [None] * len(reports)):
        if recorded and recorded != current:
            notes.append(f"{report['incident']['session']} followed version {recorded} of"
                         f" {protocol.name!r}; the file is now version {current}: steps are matched by id")
    header = printable(f"# Proposed by `cockpit protocol revise` from {len(reports)} session"
                       f"{'s' if len(reports) > 1 else ''} ({_names(sessions)}), from version"
                       f" {current}: review each '# revised:' line before adopting it.", one_line=True)
    try:
        text = apply_changes(original, protocol, changes, header)
    except ValueError:
        raise UsageError(f"{protocol_path}: write each step as its own [[steps]] table to revise it"
                         " (the way the bundled protocols are written)") from None
    try:
        revised = ProtocolFile.model_validate(parse_toml(text))
    except (ValidationError, ValueError) as exc:
        raise RuntimeFailure(f"the proposed revision of {protocol_path} does not validate ({exc});"
                             " this is a bug in cockpit") from None
    return Revision(revised, protocol_path, text, changes, notes)


def unified_diff(revision: Revision, target: str) -> str:
    original = revision.source.read_text(encoding="utf-8").splitlines(keepends=True)
    proposed = revision.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(original, proposed, fromfile=str(revision.source), tofile=target))


# -- the command --------------------------------------------------------------------------------


def run_revise(args: argparse.Namespace) -> int:
    from cockpit.retro.cli import read_saved
    from cockpit.retro.report import report_for_session

    config = config_if_readable(getattr(args, "config", None))
    saved = [read_saved(spec) for spec in args.sessions]
    reports = [report_for_session(one, config=config) for one in saved]
    names = {name for r in reports for name in r["protocol"]["names"][:1]}
    if not names:
        raise UsageError("none of these sessions follows a protocol: there is nothing to revise")
    if len(names) > 1:
        raise UsageError(f"these sessions follow different protocols ({', '.join(sorted(names))});"
                         " revise one protocol at a time")
    name = names.pop()
    try:
        source = find_named("protocols", name, config)
    except ConfigError:
        raise UsageError(f"no protocol file named {name!r} is found (the sessions follow it);"
                         " run from the folder of the config that has it, or give --config") from None
    revision = revise(source, reports, [recorded_version(one.events) for one in saved])
    target = Path(args.output) if args.output else None
    if target is not None and target.exists() and target.resolve() == source.resolve():
        raise UsageError(f"{target} is the protocol being revised: the proposal never overwrites it;"
                         " write it elsewhere with -o and review the diff")
    for note in revision.notes:
        print(printable(f"cockpit: note: {note}"), file=sys.stderr)
    if not revision.changes:
        print(printable(f"no changes to propose for {name!r}: the sessions followed it as written"))
        return EXIT_OK
    sys.stdout.write(printable(unified_diff(revision, str(target) if target else "proposed")))
    if target is not None:
        data = revision.text.encode("utf-8")
        try:
            if args.force:
                replace_private(target, data)
            else:
                create_private(target, data)
        except FileExistsError:
            raise UsageError(f"{target} exists; give --force to replace it") from None
        except OSError as exc:
            raise RuntimeFailure(f"cannot write {target}: {exc.strerror or exc}") from None
        print(printable(f"{len(revision.changes)} changes proposed; written to {target}"
                        f" (version {revision.version}); check it with `cockpit validate {target}`"),
              file=sys.stderr)
    else:
        print(printable(f"{len(revision.changes)} changes proposed; write them with -o FILE"),
              file=sys.stderr)
    return EXIT_OK
