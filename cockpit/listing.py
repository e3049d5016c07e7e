"""``cockpit sessions``: every saved session, newest first, without reading what has not changed.

A session unchanged since it was last listed or folded is shown from its checkpoint's summary
(``cockpit.checkpoint``: a few hundred bytes, trusted on the file's identity, size and change
times and the hash of its last bytes), so this module imports no domain code on that path: 200
sessions of any size list in the time it takes Python to start. A changed one is read a piece at
a time, folding only the events that name, rate and place it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cockpit import checkpoint
from cockpit.paths import saved_sessions

LISTED_KINDS = frozenset({"incident.declared", "incident.retitled", "severity.changed",
                          "status.changed"})
"""The events that say what ``cockpit sessions`` shows: a listing folds these only."""


def list_sessions() -> list[dict[str, Any]]:
    rows = []
    for path in saved_sessions():
        summary = checkpoint.summary_of(path)
        if summary is None:
            try:
                summary = _summarise(path)
            except Exception as exc:  # noqa: BLE001 - one broken file must not hide the others
                rows.append({"path": str(path), "title": f"(unreadable: {exc})", "severity": None,
                             "status": "?", "drill": False, "declared_at": None})
                continue
        rows.append({"path": str(path), **summary.row()})
    return rows


def _summarise(path: Path) -> checkpoint.Summary:
    from cockpit.domain import events as ev
    from cockpit.domain.state import fold
    from cockpit.journal import Journal
    from cockpit.folding import fold_key

    info = os.stat(path)  # before reading: an append meanwhile makes the summary stale, not wrong
    kept: list[ev.Event] = []

    def take(records: list[dict[str, Any]]) -> None:
        kept.extend(ev.parse_event(r) for r in records if r.get("kind") in LISTED_KINDS)

    loaded = Journal(path).load(each=take)
    state = fold(sorted(kept, key=fold_key))
    summary = checkpoint.summarise(path, state, loaded.header, info)
    checkpoint.save_summary(path, summary)
    return summary
