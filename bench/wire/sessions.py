"""Session files for bench/terminal.py: a live incident 42 minutes in, as a drill leaves one.

The opening (``session.configured``, the declaration, the declarer joining) is written by
cockpit's own ``new_incident``; the rest of the story, filler included, is built from cockpit's
event models and appended with the journal's own layout (``cockpit.tomlfmt.event_block``), in
one write: 50,000 appends with a lock and an fsync each would take minutes and prove nothing
about reading. Every endpoint is already ``up`` in the file, as in an incident that has been
running, so a seat opening it has nothing new to record about health.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.domain.clock import ManualClock
from cockpit.paths import bundled_config_dir
from cockpit.session import new_incident
from cockpit.settings import EndpointConfig, load_config, load_protocol
from cockpit.tomlfmt import event_block

TITLE = "Checkout failing: card payments returning errors"
NEWEST = "newest entry: bench marker"
"""The text of the last event in every file: once a seat's terminal shows it, the timeline is in."""
AGE = timedelta(minutes=42)
FILLER_PEOPLE = ("bob", "carol", "dan")
FILLER_TAGS = ("note", "note", "note", "hypothesis", "action", "decision")


def write_session(path: Path, endpoints: Sequence[EndpointConfig], *, filler: int = 0,
                  resolved: bool = False) -> Path:
    """A session at ``path``: declared 42 minutes ago, a team at work, ``filler`` more entries
    (notes, and an endpoint degrading and recovering now and then), resolved if asked."""
    now = datetime.now(timezone.utc)
    start = now - AGE
    config = load_config(bundled_config_dir() / "cockpit.toml")
    config = config.model_copy(update={"endpoints": tuple(endpoints)})
    session = new_incident(config=config, protocol=load_protocol("major-incident", config),
                           title=TITLE, severity="SEV2", path=path, clock=ManualClock(start),
                           handle="alice")
    story = _story(start, now, [e.name for e in endpoints], filler, resolved)
    first_seq = session.journal.last_seq + 1
    session.close()
    blocks = (event_block(event.model_copy(update={"seq": first_seq + n}).to_record())
              for n, event in enumerate(story))
    with open(path, "ab") as file:
        file.write(b"".join(blocks))
    return path


def _story(start: datetime, now: datetime, names: list[str], filler: int,
           resolved: bool) -> list[ev.Event]:
    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    story: list[ev.Event] = [
        *(ev.HealthChanged(at=at(0.2), by="health", endpoint=name, from_="unknown", to="up")
          for name in names),
        ev.RoleAssigned(at=at(1), by="alice", role="commander", handle="alice"),
        ev.MemberJoined(at=at(2), by="alice", handle="bob", status="engaged"),
        ev.RoleAssigned(at=at(2), by="alice", role="ops", handle="bob"),
        ev.MemberJoined(at=at(3), by="alice", handle="carol", status="paged"),
        ev.StepDone(at=at(3), by="alice", step="open-bridge"),
        ev.ImpactAssessed(at=at(4), by="alice", field="customer_facing", value="yes"),
        ev.ImpactAssessed(at=at(4), by="alice", field="users_affected", value="some"),
        ev.UpdatePosted(at=at(5), by="carol", text="We are investigating failed checkouts.",
                        audience="external"),
        ev.NoteAdded(at=at(5), by="alice", text="Checkout error rate at 18% since 04:05, EU and US"),
    ]
    span = (AGE - timedelta(minutes=8)).total_seconds() / 60
    for n in range(filler):
        moment = at(6 + span * n / max(filler, 1))
        who = FILLER_PEOPLE[n % len(FILLER_PEOPLE)]
        if n % 20 == 10 and names:  # an endpoint wobbles and comes back: health events in the mix
            name = names[(n // 20) % len(names)]
            story.append(ev.HealthChanged(at=moment, by="health", endpoint=name, from_="up",
                                          to="degraded", detail="812 ms > 800 ms"))
        elif n % 20 == 11 and names:
            name = names[(n // 20) % len(names)]
            story.append(ev.HealthChanged(at=moment, by="health", endpoint=name, from_="degraded",
                                          to="up"))
        else:
            story.append(ev.NoteAdded(at=moment, by=who, tag=FILLER_TAGS[n % len(FILLER_TAGS)],
                                      text=f"checked shard {n}: replica lag back under 5 s, "
                                           "error rate flat"))
    story += [
        ev.NoteAdded(at=at(38), by="bob", text="Roll back deploy 2026.11.27-3", tag="decision"),
        ev.AskStarted(at=at(39), by="alice", handle="bob", task="check replica lag on orders-db",
                      minutes=10),
    ]
    if resolved:
        story += [ev.StatusChanged(at=at(40), by="alice", status="monitoring"),
                  ev.StatusChanged(at=at(41), by="alice", status="resolved")]
    story.append(ev.NoteAdded(at=now - timedelta(seconds=30), by="alice", text=NEWEST))
    return story
