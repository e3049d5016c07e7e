"""Status update drafts as their readers see them: customers, and the people on the bridge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cockpit.domain import events as ev
from cockpit.drafts import draft_update


@pytest.fixture
def busy_session(make_session, clock):
    """Twenty minutes into an outage: roles (alice twice), a decision, a follow-up, an ask, an
    endpoint down."""
    session = make_session()
    clock.advance(minutes=2)
    session.record(ev.RoleAssigned(role="deputy", handle="erin"))
    session.record(ev.RoleAssigned(role="commander", handle="erin"))
    session.record(ev.RoleAssigned(role="ops", handle="bob"))
    session.record(ev.ImpactAssessed(field="customer_facing", value="yes"))
    session.record(ev.ImpactAssessed(field="users_affected", value="some"))
    session.record(ev.ImpactAssessed(field="functionality", value="partial"))
    session.record(ev.ImpactAssessed(field="services", value="checkout, payments"))
    session.record(ev.ImpactAssessed(field="regions", value="EU"))
    session.record(ev.HealthChanged(endpoint="payments-api", **{"from": "up"}, to="down",
                                    detail="timeout after 2.0s"))
    clock.advance(minutes=10)
    session.record(ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision", by="bob"))
    session.record(ev.NoteAdded(text="replica lag looks normal", tag="note", by="bob"))
    session.record(ev.NoteAdded(text="add an alert on replica lag", tag="action", by="bob"))
    session.record(ev.AskStarted(handle="bob", task="check replica lag", minutes=10))
    clock.advance(minutes=8)
    return session


def test_external_draft_has_no_jargon_and_says_what_customers_notice(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="external",
                        next_update_at=clock.now() + timedelta(minutes=20))
    assert text.splitlines()[0] == "Issue with checkout and payments in EU · update 04:30 UTC"
    assert "Some customers may find parts of checkout and payments in EU unavailable." in text
    assert "We are investigating the cause." in text
    assert text.endswith("Next update by 04:50 UTC.")
    assert not re.search(r"SEV\d", text)
    for jargon in ("INVESTIGATING", "investigating,", "Conditions", "Needs", "partial", "erin",
                   "bob", "alice", "payments-api", "replica", "Unassigned", "status update"):
        assert jargon not in text, jargon


def test_external_draft_follows_the_status_in_plain_words(busy_session, clock):
    busy_session.record(ev.StatusChanged(status="identified"))
    text = draft_update(busy_session.state, clock.now(), audience="external", next_update_at=None)
    assert "We have found the cause and are working on a fix." in text
    busy_session.record(ev.StatusChanged(status="monitoring"))
    text = draft_update(busy_session.state, clock.now(), audience="external", next_update_at=None)
    assert "A fix is in place" in text
    assert "IDENTIFIED" not in text and "MONITORING" not in text and "monitoring" not in text


def test_external_draft_without_a_size_up_promises_nothing_it_does_not_know(make_session, clock):
    session = make_session()
    text = draft_update(session.state, clock.now(), audience="external", next_update_at=None)
    assert text.splitlines()[0] == "Service issue · update 04:10 UTC"
    assert "Some customers may have trouble using some of our services." in text
    session.record(ev.ImpactAssessed(field="customer_facing", value="no"))
    text = draft_update(session.state, clock.now(), audience="external", next_update_at=None)
    assert "We are not aware of any effect on customers." in text


def test_external_all_clear_once_resolved(busy_session, clock):
    busy_session.record(ev.StatusChanged(status="resolved"))
    clock.advance(minutes=5)
    text = draft_update(busy_session.state, clock.now(), audience="external",
                        next_update_at=clock.now() + timedelta(minutes=20))
    assert text.splitlines()[0] == "Resolved: the issue with checkout and payments in EU · 04:30 UTC"
    assert "checkout and payments in EU work normally again since 04:30 UTC" in text
    assert "Next update" not in text and "partial" not in text and "unavailable" not in text


def test_internal_draft_says_each_person_once_with_all_their_roles(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="internal", next_update_at=None)
    people = [line for line in text.splitlines() if line.startswith("- erin") or line.startswith("- bob")]
    assert people == ["- erin: Incident Commander, Deputy",
                      "- bob: Ops lead · on: check replica lag (back by 04:32 UTC)"]
    assert text.count("erin") == 1 and text.count("Incident Commander") == 1


def test_internal_draft_keeps_follow_ups_apart_from_current_work(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="internal",
                        next_update_at=clock.now() + timedelta(minutes=30))
    sections = _sections(text)
    assert list(sections) == ["Conditions", "Actions", "Follow-ups", "Needs"]
    assert sections["Actions"][0] == "- 04:22 decision: roll back deploy 2026.11.27-3 (bob)"
    assert not any("alert on replica lag" in line for line in sections["Actions"])
    assert sections["Follow-ups"] == ["- add an alert on replica lag (bob, 04:22)"]
    assert not any("replica lag looks normal" in line for line in text.splitlines())  # a note is neither
    assert sections["Needs"] == ["- Unassigned: Scribe, Comms lead"]
    assert text.endswith("Next update by 05:00 UTC.")


def test_internal_draft_says_severity_and_status_once(busy_session, clock):
    text = draft_update(busy_session.state, clock.now(), audience="internal", next_update_at=None)
    lines = text.splitlines()
    assert lines[0] == "Checkout API returning 500s · internal update 04:30 UTC"
    assert _sections(text)["Conditions"][:3] == [
        "- SEV2 (major), investigating, declared 04:10 UTC (T+20:00)",
        "- Impact: customer facing: yes; users affected: some; functionality: partial;"
        " services: checkout, payments; regions: EU",
        "- Endpoints down: payments-api (timeout after 2.0s)"]
    assert text.count("SEV2") == 1 and text.lower().count("investigating") == 1


def test_overdue_ask_is_a_need_not_current_work(busy_session, clock):
    clock.advance(minutes=5)  # the ask was due at 04:32
    sections = _sections(draft_update(busy_session.state, clock.now(), audience="internal",
                                      next_update_at=None))
    assert "- bob: Ops lead" in sections["Actions"]
    assert "- An answer from bob on check replica lag (due 04:32 UTC, 3:00 ago)" in sections["Needs"]


def test_what_was_already_reported_is_not_repeated(busy_session, clock):
    busy_session.record(ev.UpdatePosted(text="earlier", audience="internal"))
    sections = _sections(draft_update(busy_session.state, clock.now(), audience="internal",
                                      next_update_at=None))
    assert sections["Actions"][0] == "- No new decisions since the last update"
    assert sections["Follow-ups"] == ["- 1 more recorded earlier (in the report)"]


def test_internal_draft_after_resolution_says_functionality_is_restored(busy_session, clock):
    clock.advance(minutes=40)
    busy_session.record(ev.AskDone(ask=next(iter(busy_session.state.asks))))
    busy_session.record(ev.StatusChanged(status="resolved"))
    clock.advance(minutes=10)
    text = draft_update(busy_session.state, clock.now(), audience="internal",
                        next_update_at=clock.now() + timedelta(minutes=30))
    conditions = _sections(text)["Conditions"]
    assert conditions[0] == "- SEV2 (major), resolved, declared 04:10 UTC, resolved 05:10 UTC after 1:00:00"
    assert "- Functionality: restored" in conditions
    assert "partial" not in text
    assert _sections(text)["Needs"] == ["- Nothing open"]  # roles no longer need filling
    assert "Next update" not in text


def test_functionality_sized_up_after_resolution_is_what_it_says(busy_session, clock):
    busy_session.record(ev.StatusChanged(status="resolved"))
    clock.advance(minutes=1)
    busy_session.record(ev.ImpactAssessed(field="functionality", value="degraded"))
    text = draft_update(busy_session.state, clock.now(), audience="internal", next_update_at=None)
    assert "functionality: degraded" in text and "restored" not in text


def test_escape_sequences_in_user_text_never_reach_a_draft(make_session, clock):
    session = make_session(title="Checkout\x1b]0;pwned\x07 down\x1b[31m")
    session.record(ev.NoteAdded(text="roll\x1b[2J back", tag="decision"))
    session.record(ev.ImpactAssessed(field="services", value="pay\x1b[31mments"))
    for audience in ("internal", "external"):
        text = draft_update(session.state, clock.now(), audience=audience, next_update_at=None)
        assert "\x1b" not in text and "\x07" not in text
    internal = draft_update(session.state, clock.now(), audience="internal", next_update_at=None)
    assert "Checkout down" in internal and "roll back" in internal


def _sections(text: str) -> dict[str, list[str]]:
    """The draft's sections: each heading and its ``- `` lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith("- ") and line[0].isupper() and " " not in line.strip():
            current = sections.setdefault(line, [])
        elif line.startswith("- ") and current is not None:
            current.append(line)
    return sections


def test_internal_draft_lists_the_links_people_added_bridge_first(busy_session, clock):
    busy_session.record(ev.LinkAdded(url="https://tickets.example.com/INC-42", label="INC-42",
                                     link_kind="ticket"))
    busy_session.record(ev.LinkAdded(url="https://meet.example.com/checkout", label="War room",
                                     link_kind="bridge"))
    internal = draft_update(busy_session.state, clock.now(), audience="internal", next_update_at=None)
    assert _sections(internal)["Links"] == ["- bridge: War room https://meet.example.com/checkout",
                                            "- ticket: INC-42 https://tickets.example.com/INC-42"]
    external = draft_update(busy_session.state, clock.now(), audience="external", next_update_at=None)
    assert "meet.example.com" not in external and "INC-42" not in external
