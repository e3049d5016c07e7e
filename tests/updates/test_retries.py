"""Failing destinations: retried, never blocking the others, never losing the update."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.seat import Seat
from cockpit.session import Session
from cockpit.settings import ConfigError, UpdateSettings, load_config
from tests.updates.receivers import PAGE_ID


def slack(receivers, **more):
    return {"name": "team-slack", "kind": "slack", "url": receivers.url("slack"), **more}


def teams(receivers, **more):
    return {"name": "teams", "kind": "teams", "url": receivers.url("teams"), **more}


async def test_a_destination_failing_then_recovering_gets_the_update(receivers, delivering):
    receivers.answer_next("slack", (503, "service_unavailable", {}), (500, "rollup_error", {}))
    seat = delivering(slack(receivers))
    update = seat.post("rolling back")
    await seat.settled()
    assert [r.body for r in receivers.of("slack")] == [{"text": "rolling back"}] * 3
    outcomes = seat.outcomes()
    assert [(o.attempt, o.ok, o.final) for o in outcomes] == [(1, False, False), (2, False, False), (3, True, False)]
    assert outcomes[0].detail.endswith(": service_unavailable")
    assert seat.session.state.deliveries[update.seq]["team-slack"].ok
    said = [(n.title, n.tone) for n in seat.notices]
    assert said == [("Update not delivered yet", "warning"), ("Update delivered", "information")]
    assert "after 3 attempts" in seat.notices[-1].text


async def test_an_update_that_never_arrived_is_sent_when_its_seat_comes_back(receivers, delivering, clock):
    receivers.answer_next("slack", 503, 503)
    first = delivering(slack(receivers, attempts=2))
    update = first.post("rolling back")
    await first.settled()
    assert [o.final for o in first.outcomes()] == [False, True]
    assert first.notices[-1].title == "Update not delivered"
    await first.seat.leave()

    reopened = delivering(slack(receivers, attempts=2), session=Session.open(first.session.path, clock=clock))
    await reopened.settled()
    last = reopened.outcomes()[-1]
    assert (last.update, last.ok, last.attempt) == (update.seq, True, 3)
    assert len(receivers.of("slack")) == 3

    again = delivering(slack(receivers), session=Session.open(first.session.path, clock=clock))
    await again.settled()
    assert len(receivers.of("slack")) == 3  # delivered: not sent twice


async def test_coming_back_sends_only_what_this_person_posted(receivers, delivering, make_session, clock):
    session = make_session()
    session.record(ev.UpdatePosted(text="posted before any destination", audience="internal"))
    receivers.answer_next("slack", 503)
    bob = delivering(slack(receivers, attempts=1), session=Session.open(session.path, clock=clock, handle="bob"))
    bob.post("bob's update")
    await bob.settled()
    await bob.seat.leave()

    alice = delivering(slack(receivers), session=Session.open(session.path, clock=clock))
    await alice.settled()
    assert [r.body["text"] for r in receivers.of("slack")] == ["bob's update"]  # nothing new sent


async def test_an_update_older_than_a_day_is_not_sent_out_of_the_blue(receivers, delivering, clock):
    receivers.answer_next("slack", 503)
    first = delivering(slack(receivers, attempts=1))
    first.post("rolling back")
    await first.settled()
    await first.seat.leave()
    clock.advance(hours=25)
    later = delivering(slack(receivers), session=Session.open(first.session.path, clock=clock))
    await later.settled()
    assert len(receivers.of("slack")) == 1


async def test_a_hanging_destination_holds_up_nobody(receivers, delivering):
    receivers.hang("slack")
    seat = delivering(slack(receivers, timeout="1s", attempts=1), teams(receivers))
    update = seat.post("rolling back")
    await seat.settled()
    teams_first, slack_late = seat.outcomes()
    assert (teams_first.destination, teams_first.ok) == ("teams", True)
    assert (slack_late.destination, slack_late.ok, slack_late.final) == ("team-slack", False, True)
    assert slack_late.detail == f"127.0.0.1:{receivers.port} did not answer within 1 s"
    assert update.seq in seat.session.state.deliveries


async def test_leaving_mid_delivery_loses_nothing(receivers, delivering, clock):
    receivers.hang("slack")
    seat = delivering(slack(receivers), teams(receivers))
    update = seat.post("rolling back")
    await asyncio.to_thread(receivers.wait_for, "slack", 1)
    await seat.until(lambda: seat.outcomes())  # teams answered; slack never will
    await seat.seat.leave()  # slack never answered: its delivery was cut short
    [cut] = [o for o in seat.outcomes() if o.destination == "team-slack"]
    assert (cut.ok, cut.detail) == (False, "not finished when the seat closed; sent again when it opens")

    receivers.hang("slack", False)
    back = delivering(slack(receivers), teams(receivers), session=Session.open(seat.session.path, clock=clock))
    await back.settled()
    delivered = back.session.state.deliveries[update.seq]
    assert delivered["team-slack"].ok and delivered["teams"].ok
    assert len(receivers.of("teams")) == 1


async def test_updates_to_one_destination_go_in_order(receivers, delivering):
    seat = delivering({"name": "status-page", "kind": "statuspage", "url": receivers.url("statuspage"),
                       "page_id": PAGE_ID, "api_key": "env:STATUSPAGE_KEY"})
    seat.post("first", audience="external")
    seat.post("second", audience="external")
    await seat.settled()
    assert [(r.method, r.body["incident"]["body"]) for r in receivers.of("statuspage")] == [
        ("POST", "first"), ("PATCH", "second")]
    assert len(receivers.incidents) == 1


async def test_each_audience_reaches_its_own_destinations(receivers, delivering):
    seat = delivering(slack(receivers, audience="internal"), teams(receivers, audience="external"))
    seat.post("for us", audience="internal")
    seat.post("for customers", audience="external")
    await seat.settled()
    assert [r.body["text"] for r in receivers.of("slack")] == ["for us"]
    assert receivers.of("teams")[0].body["attachments"][0]["content"]["body"][1]["text"] == "for customers"


async def test_a_read_only_seat_delivers_nothing(receivers, make_session, clock):
    session = make_session()
    seat = Seat(Session.open(session.path, clock=clock, read_only=True))
    seat.start_delivering(UpdateSettings.model_validate({"destinations": [slack(receivers)]}))
    assert seat.deliveries is None


async def test_a_drill_delivers_nothing(receivers, make_session):
    seat = Seat(make_session(drill=True))
    seat.start_delivering(UpdateSettings.model_validate({"destinations": [slack(receivers)]}))
    assert seat.record(ev.UpdatePosted(text="practice")) is not None
    assert seat.deliveries is None and receivers.of("slack") == []


# -- configuration ------------------------------------------------------------------------------


def test_the_old_webhook_setting_is_one_slack_destination_for_both_audiences(tmp_path):
    config = tmp_path / "cockpit.toml"
    config.write_text('[updates]\nwebhook = "env:HOOK"\n\n[[updates.destinations]]\nname = "status"\n'
                      'kind = "statuspage"\npage_id = "abc"\napi_key = "env:KEY"\n')
    updates = load_config(config).updates
    assert [(d.name, d.kind, d.audience) for d in updates.targets] == [
        ("webhook", "slack", "both"), ("status", "statuspage", "external")]
    assert [d.name for d in updates.serving("internal")] == ["webhook"]


@pytest.mark.parametrize(("table", "said"), [
    ('name = "a"\nkind = "sms"', "kind = 'sms' is not one of 'slack', 'teams', 'webhook', 'email'"),
    ('name = "a"', "needs kind = (which sort it is)"),
    ('name = "a"\nkind = "statuspage"\npage_id = "p"\napi_key = "5ecret"', "write a secret as env:NAME"),
    ('name = "a b"\nkind = "file"\npath = "x"', "a destination's name is up to 64 letters"),
    ('name = "m"\nkind = "email"\nhost = "h"\nfrom = "a@b.c"\nto = ["a@b.c"]\nusername = "u"',
     "a login needs both username and password"),
    ('name = "webhook"\nkind = "command"\ncommand = ["true"]', "webhook named more than once"),
])
def test_bad_destinations_are_explained(tmp_path, table, said):
    config = tmp_path / "cockpit.toml"
    config.write_text(f'[updates]\nwebhook = "env:HOOK"\n\n[[updates.destinations]]\n{table}\n')
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert said in str(raised.value) and "updates" in str(raised.value)


async def test_an_update_the_disk_refused_goes_out_once_it_is_written(receivers, delivering, make_session,
                                                                       small_disk):
    session = make_session(path=small_disk / "incident.toml")
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    with contextlib.suppress(JournalWriteError):  # use up the slack in the file's last page
        while True:
            session.record(ev.NoteAdded(text="filling the disk " * 8))
    seat = delivering(slack(receivers), session=session)
    assert seat.seat.record(ev.UpdatePosted(text="rolling back")) is None  # kept, not written
    assert receivers.of("slack") == []  # nothing goes out before the record holds it
    filler.unlink()
    await seat.seat.settled()
    await seat.settled()
    [posted] = [u for u in Session.open(session.path, read_only=True).state.updates]
    assert [r.body for r in receivers.of("slack")] == [{"text": "rolling back"}]
    assert seat.session.state.deliveries[posted.seq]["team-slack"].ok
