"""How pages fold: who is paged, who answered and how, and what the roster says about it."""

from __future__ import annotations

from datetime import timedelta

from cockpit.domain import events as ev
from cockpit.domain.paging import page_status, unanswered
from cockpit.domain.state import fold
from cockpit.narrate import narrate
from tests.conftest import T0


def at(minutes: float, event: ev.Event, seq: int) -> ev.Event:
    return event.model_copy(update={"at": T0 + timedelta(minutes=minutes), "seq": seq, "by": event.by or "alice"})


def declared() -> list[ev.Event]:
    return [at(0, ev.IncidentDeclared(title="Checkout down", severity="SEV1"), 1)]


def paged(minutes: float, seq: int, **target: str) -> ev.Event:
    return at(minutes, ev.PageSent(service="pagerduty", message="join the bridge",
                                   dedup_key=f"key-{seq}", detail="Event processed", **target), seq)


def test_a_paged_person_shows_as_paged_and_waiting():
    state = fold([*declared(), paged(1, 2, handle="bob")])
    assert state.members["bob"].status == "paged"
    [page] = state.waiting_pages()
    assert page.handle == "bob" and page.at == T0 + timedelta(minutes=1)
    assert page_status(page, T0 + timedelta(minutes=5)).text == "paged 4 min ago, no ack"
    assert not page_status(page, T0 + timedelta(minutes=5)).warn
    assert page_status(page, T0 + timedelta(minutes=6)).warn  # ack_warn_after, 5 min by default
    assert unanswered(state, T0 + timedelta(minutes=6)) == [page]


def test_joining_engaged_acknowledges():
    state = fold([*declared(), paged(1, 2, handle="bob"),
                  at(4, ev.MemberJoined(handle="bob", status="engaged", by="bob"), 3)])
    page = state.page_for(handle="bob")
    assert page.acked_at == T0 + timedelta(minutes=4) and page.acked_by == "bob" and page.acked_how == "joined"
    assert page_status(page, T0 + timedelta(minutes=30)).text == "paged 04:11, acked 04:14 (3 min, joined)"
    assert state.waiting_pages() == [] and unanswered(state, T0 + timedelta(hours=1)) == []


def test_joining_as_paged_is_not_an_answer():
    state = fold([*declared(), paged(1, 2, handle="bob"),
                  at(2, ev.MemberJoined(handle="bob", status="paged"), 3)])
    assert state.page_for(handle="bob").waiting


def test_turning_engaged_or_opening_a_seat_acknowledges_but_watching_does_not():
    engaged = fold([*declared(), paged(1, 2, handle="bob"),
                    at(2, ev.MemberStatusChanged(handle="bob", status="engaged"), 3)])
    assert engaged.page_for(handle="bob").acked_how == "engaged"
    watching = fold([*declared(), paged(1, 2, handle="bob"),
                     at(2, ev.SeatJoined(handle="bob", read_only=True), 3)])
    assert watching.page_for(handle="bob").waiting
    working = fold([*declared(), paged(1, 2, handle="bob"),
                    at(2, ev.SeatJoined(handle="bob", read_only=False), 3)])
    assert working.page_for(handle="bob").acked_how == "opened a seat"


def test_a_role_page_is_answered_by_whoever_engaged_holds_the_role():
    events = [*declared(), paged(1, 2, role="ops"),
              at(2, ev.RoleAssigned(role="ops", handle="carol"), 3)]  # named, not answering yet
    assert fold(events).page_for(role="ops").waiting
    events.append(at(5, ev.MemberJoined(handle="carol", status="engaged", by="carol"), 4))
    page = fold(events).page_for(role="ops")
    assert page.acked_by == "carol" and page.acked_how == "joined"


def test_someone_engaged_taking_the_role_answers_its_page():
    state = fold([*declared(), at(0.5, ev.MemberJoined(handle="dan", status="engaged"), 2),
                  paged(1, 3, role="scribe"), at(2, ev.RoleAssigned(role="scribe", handle="dan"), 4)])
    assert state.page_for(role="scribe").acked_how == "took the role"


def test_an_acknowledgement_matches_its_page_by_key():
    state = fold([*declared(), paged(1, 2, handle="bob"), paged(2, 3, handle="bob"),
                  at(3, ev.PageAcknowledged(handle="bob", dedup_key="key-2", detail="acked in PagerDuty"), 4)])
    first, second = state.pages
    assert first.acked_how == "acked in PagerDuty" and second.waiting
    assert state.page_for(handle="bob") is second


def test_an_acknowledgement_without_a_key_answers_every_waiting_page_of_its_target():
    state = fold([*declared(), paged(1, 2, role="comms"), paged(2, 3, role="comms"),
                  at(3, ev.PageAcknowledged(role="comms", by="erin"), 4)])
    assert all(p.acked_by == "erin" and p.acked_how == "acknowledged" for p in state.pages)


def test_a_page_that_failed_waits_for_nobody_and_says_why():
    failed = at(1, ev.PageSent(handle="bob", service="opsgenie", ok=False,
                               detail="api.opsgenie.com refused the page (HTTP 401)"), 2)
    state = fold([*declared(), failed])
    assert state.waiting_pages() == [] and "bob" not in state.members
    status = page_status(state.page_for(handle="bob"), T0 + timedelta(minutes=1))
    assert status.warn and status.text == "page failed: api.opsgenie.com refused the page (HTTP 401)"
    assert narrate(failed) == "page to bob through Opsgenie failed: api.opsgenie.com refused the page (HTTP 401)"


def test_a_resting_person_paged_is_called_back():
    state = fold([*declared(), at(0.5, ev.MemberJoined(handle="bob", status="resting"), 2),
                  paged(1, 3, handle="bob")])
    assert state.members["bob"].status == "paged"


def test_a_page_names_one_target():
    assert isinstance(ev.parse_event({"kind": "page.sent", "service": "pagerduty"}), ev.RawEvent)
    assert isinstance(ev.parse_event({"kind": "page.sent", "handle": "bob", "role": "ops"}), ev.RawEvent)
    assert narrate(paged(1, 2, role="ops")) == "paged role ops through PagerDuty: join the bridge (Event processed)"


def test_an_unanswered_page_calls_for_attention_once_past_the_wait():
    from cockpit.ui.attention import Attention, summary

    state = fold([*declared(), paged(1, 2, handle="bob")])
    attention = Attention(page_warn_after=timedelta(minutes=3))
    assert attention.observe(state, T0 + timedelta(minutes=2)) == []
    [news] = attention.observe(state, T0 + timedelta(minutes=4))
    assert news.kind == "page" and news.pane == "team" and news.text.startswith("bob paged 3 min ago")
    assert attention.observe(state, T0 + timedelta(minutes=5)) == []  # announced once
    assert "1 page unanswered" in summary(state, T0 + timedelta(minutes=5), attention.current)
    answered = fold([at(6, ev.MemberJoined(handle="bob", status="engaged"), 3)], state)
    assert attention.observe(answered, T0 + timedelta(minutes=6)) == [] and attention.current == []
