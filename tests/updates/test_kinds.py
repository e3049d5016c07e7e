"""Each kind of destination against a real receiver: what arrives, and what is recorded."""

from __future__ import annotations

import os
import stat
import sys
from email import message_from_bytes
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.narrate import Context, narrate
from tests.updates.receivers import PAGE_ID, SLACK_TOKEN, TEAMS_ID


def slack(receivers, **more):
    return {"name": "team-slack", "kind": "slack", "url": receivers.url("slack"), **more}


def statuspage(receivers, **more):
    return {"name": "status-page", "kind": "statuspage", "url": receivers.url("statuspage"),
            "page_id": PAGE_ID, "api_key": "env:STATUSPAGE_KEY", **more}


# -- Slack (and Mattermost) ---------------------------------------------------------------------


async def test_slack_gets_the_text_escaped_and_the_delivery_is_recorded(receivers, delivering):
    seat = delivering(slack(receivers))
    update = seat.post("p95 > 300ms & <!channel> pinged")
    await seat.settled()
    [arrived] = receivers.of("slack")
    assert arrived.body == {"text": "p95 &gt; 300ms &amp; &lt;!channel&gt; pinged"}
    assert arrived.headers["Content-Type"] == "application/json"
    [outcome] = seat.outcomes()
    assert (outcome.update, outcome.destination, outcome.ok, outcome.attempt) == (update.seq, "team-slack", True, 1)
    assert outcome.detail == f"HTTP 200 from 127.0.0.1:{receivers.port}"
    assert seat.session.state.deliveries[update.seq]["team-slack"].ok
    assert narrate(outcome, Context(events=seat.session.events)) == (
        f"internal update #{update.seq} delivered to team-slack (HTTP 200 from 127.0.0.1:{receivers.port})")


@pytest.mark.parametrize(("status", "word"), [(400, "invalid_payload"), (403, "invalid_token"),
                                              (404, "no_service"), (410, "channel_is_archived")])
async def test_slack_refusals_are_final_and_named_without_the_token(receivers, delivering, status, word):
    receivers.answer_next("slack", (status, word, {}))
    seat = delivering(slack(receivers))
    update = seat.post("rolling back")
    await seat.settled()
    assert len(receivers.of("slack")) == 1  # no retry can change a refusal
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final
    assert outcome.detail == f"HTTP {status} from 127.0.0.1:{receivers.port}: {word}"
    assert SLACK_TOKEN not in str(outcome.to_record())
    [told] = [n for n in seat.notices if n.title == "Update not delivered"]
    assert told.tone == "error" and word in told.text and f"#{update.seq}" in told.text
    assert "tried again when you open the session again" in told.text


async def test_slack_rate_limit_waits_as_long_as_retry_after_says(receivers, delivering):
    receivers.answer_next("slack", (429, "rate_limited", {"Retry-After": "0"}))
    seat = delivering(slack(receivers))
    seat.seat.deliveries.backoff = (3600.0,)  # only the answer's Retry-After lets this finish
    seat.post("rolling back")
    await seat.settled()
    first, second = seat.outcomes()
    assert (first.ok, first.final, first.detail.split(":")[0]) == (False, False, "HTTP 429 from 127.0.0.1")
    assert (second.ok, second.attempt) == (True, 2)
    assert len(receivers.of("slack")) == 2


async def test_the_webhook_url_can_come_from_the_environment(receivers, delivering, monkeypatch):
    monkeypatch.setenv("SLACK_HOOK", receivers.url("slack"))
    seat = delivering(slack(receivers, url="env:SLACK_HOOK"))
    seat.post("from the environment")
    await seat.settled()
    assert receivers.of("slack")[0].body == {"text": "from the environment"}
    monkeypatch.delenv("SLACK_HOOK")
    seat.post("again")
    await seat.settled()
    failed = seat.outcomes()[-1]
    assert not failed.ok and failed.final
    assert failed.detail == "the URL is set to env:SLACK_HOOK, but $SLACK_HOOK is empty or not set"


# -- Teams --------------------------------------------------------------------------------------


async def test_teams_gets_an_adaptive_card(receivers, delivering):
    seat = delivering({"name": "teams", "kind": "teams", "url": receivers.url("teams")})
    seat.post("We rolled back the deploy.\nErrors are falling.")
    await seat.settled()
    [arrived] = receivers.of("teams")
    assert arrived.path.startswith(f"/workflows/{TEAMS_ID}/triggers/manual/paths/invoke")
    [attachment] = arrived.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    heading, text = attachment["content"]["body"]
    assert heading["text"] == "Checkout API returning 500s"
    assert text == {"type": "TextBlock", "text": "We rolled back the deploy.\nErrors are falling.", "wrap": True}
    [outcome] = seat.outcomes()
    assert outcome.ok and outcome.detail.startswith("HTTP 202 from 127.0.0.1:")
    assert "sig=" not in outcome.detail


# -- a generic webhook ------------------------------------------------------------------------------


async def test_generic_webhook_gets_the_update_and_the_incident(receivers, delivering):
    seat = delivering({"name": "hook", "kind": "webhook", "url": receivers.url("webhook"),
                       "headers": {"Authorization": "env:HOOK_TOKEN"}})
    seat.session.record(ev.StatusChanged(status="identified"))
    update = seat.post("Cause found: deploy 3.", audience="external")
    await seat.settled()
    [arrived] = receivers.of("webhook")
    assert arrived.headers["Authorization"] == "Bearer hook-t0ken"
    body = arrived.body
    assert (body["update"], body["text"], body["audience"]) == (update.seq, "Cause found: deploy 3.", "external")
    assert body["incident"] == {"title": "Checkout API returning 500s", "severity": "SEV2",
                                "status": "identified", "session": seat.session.name}
    assert seat.outcomes()[0].ok


async def test_generic_webhook_refusal_is_recorded(receivers, delivering, monkeypatch):
    monkeypatch.setenv("HOOK_TOKEN", "Bearer wrong")
    seat = delivering({"name": "hook", "kind": "webhook", "url": receivers.url("webhook"),
                       "headers": {"Authorization": "env:HOOK_TOKEN"}})
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final and "HTTP 401" in outcome.detail
    assert "wrong" not in outcome.detail


# -- Statuspage -------------------------------------------------------------------------------------


async def test_statuspage_opens_an_incident_then_updates_and_resolves_it(receivers, delivering):
    seat = delivering(statuspage(receivers))
    first = seat.post("We are looking into failed checkouts.", audience="external")
    await seat.settled()
    seat.post("internal only", audience="internal")  # not for the status page
    seat.session.record(ev.StatusChanged(status="identified"))
    seat.post("We found the cause.", audience="external")
    await seat.settled()
    seat.session.record(ev.StatusChanged(status="resolved"))
    seat.post("Checkout works again.", audience="external")
    await seat.settled()

    created, updated, resolved = receivers.of("statuspage")
    assert (created.method, created.path) == ("POST", f"/v1/pages/{PAGE_ID}/incidents")
    assert created.body == {"incident": {"name": "Checkout API returning 500s", "status": "investigating",
                                         "body": "We are looking into failed checkouts."}}
    assert created.headers["Authorization"].startswith("OAuth ")
    [ident] = receivers.incidents
    assert (updated.method, updated.path) == ("PATCH", f"/v1/pages/{PAGE_ID}/incidents/{ident}")
    assert updated.body == {"incident": {"status": "identified", "body": "We found the cause."}}
    assert resolved.body["incident"]["status"] == "resolved"
    assert receivers.incidents[ident]["status"] == "resolved"
    outcomes = seat.outcomes()
    assert [o.remote_id for o in outcomes] == [ident] * 3
    assert outcomes[0].update == first.seq and outcomes[0].detail.endswith(f"incident {ident} opened (investigating)")
    assert "89a229" not in str([o.to_record() for o in outcomes])


@pytest.mark.parametrize(("status", "body", "said"), [
    (401, '{"error": "Could not authenticate"}', "Could not authenticate"),
    (404, '{"error": "The requested resource could not be found."}', "could not be found"),
    (422, '{"error": ["Name can\'t be blank"]}', "Name can't be blank"),
])
async def test_statuspage_refusals_are_final_in_its_own_words(receivers, delivering, status, body, said):
    receivers.answer_next("statuspage", (status, body, {"Content-Type": "application/json"}))
    seat = delivering(statuspage(receivers))
    seat.post("x", audience="external")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final and f"HTTP {status}" in outcome.detail and said in outcome.detail


async def test_statuspage_with_a_wrong_key_or_page_is_refused_by_the_service(receivers, delivering, monkeypatch):
    monkeypatch.setenv("STATUSPAGE_KEY", "not-the-key")
    seat = delivering(statuspage(receivers), statuspage(receivers, name="other-page", page_id="nosuchpage"))
    seat.post("x", audience="external")
    await seat.settled()
    details = sorted(o.detail for o in seat.outcomes())
    assert all("HTTP 401" in d and "Could not authenticate" in d for d in details)


@pytest.mark.parametrize("status", [420, 429])
async def test_statuspage_rate_limits_are_retried(receivers, delivering, status):
    receivers.answer_next("statuspage", (status, '{"error": "Enhance your calm"}', {"Retry-After": "0"}))
    seat = delivering(statuspage(receivers))
    seat.post("x", audience="external")
    await seat.settled()
    failed, delivered = seat.outcomes()
    assert not failed.ok and not failed.final and delivered.ok and delivered.remote_id


# -- email ----------------------------------------------------------------------------------------


def mail(server, **more):
    return {"name": "mail", "kind": "email", "host": "127.0.0.1", "port": server.port,
            "username": "cockpit", "password": "env:SMTP_PASSWORD", "from": "incidents@example.com",
            "to": ["ops@example.com", "cto@example.com"], "ca_file": str(server.ca_file),
            "timeout": "5s", **more}


async def test_email_goes_over_starttls_with_a_login(mail_server, delivering):
    seat = delivering(mail(mail_server))
    seat.post("Rolling back deploy 3.\nNext update 04:52 UTC.")
    await seat.settled()
    [envelope] = mail_server.mails
    assert envelope.mail_from == "incidents@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "cto@example.com"]
    message = message_from_bytes(envelope.original_content)
    assert message["Subject"] == "Checkout API returning 500s: investigating (internal update)"
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")  # SMTP's line ends
    assert body == "Rolling back deploy 3.\nNext update 04:52 UTC.\n"
    assert [login.split()[1] for login in mail_server.logins] == ["ok"]
    [outcome] = seat.outcomes()
    assert outcome.ok and outcome.detail == f"accepted by 127.0.0.1:{mail_server.port}"


async def test_email_with_a_wrong_password_is_refused_and_final(mail_server, delivering, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    seat = delivering(mail(mail_server))
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final and "refused the login: 535" in outcome.detail
    assert "wrong" not in outcome.detail.replace("refused", "")
    assert mail_server.mails == []


async def test_email_refuses_a_certificate_it_cannot_check(mail_server, delivering):
    seat = delivering(mail(mail_server, ca_file=None))  # the system's CAs do not know this one
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final and "certificate of 127.0.0.1 does not check out" in outcome.detail
    assert mail_server.mails == [] and mail_server.logins == []


# -- a file -----------------------------------------------------------------------------------------


async def test_file_gets_each_update_appended_privately(delivering, tmp_path):
    target = tmp_path / "updates.log"
    seat = delivering({"name": "log", "kind": "file", "path": str(target)})
    first = seat.post("first")
    second = seat.post("second\nline two", audience="external")
    await seat.settled()
    text = target.read_text()
    assert f"internal update #{first.seq} by alice\nfirst\n\n" in text
    assert text.endswith(f"external update #{second.seq} by alice\nsecond\nline two\n\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [o.ok for o in seat.outcomes()] == [True, True]


async def test_file_behind_a_link_is_refused(delivering, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    (tmp_path / "updates.log").symlink_to(victim)
    seat = delivering({"name": "log", "kind": "file", "path": str(tmp_path / "updates.log")})
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert not outcome.ok and outcome.final and "is a link; refused" in outcome.detail
    assert victim.read_text() == "keep me\n"


# -- a command --------------------------------------------------------------------------------------


def script(folder: Path, body: str) -> list[str]:
    path = folder / "send-update.py"
    path.write_text("import os, sys\ntext = sys.stdin.read()\n" + body)
    return [sys.executable, str(path)]


async def test_command_gets_the_text_on_stdin(delivering, tmp_path):
    out = tmp_path / "got.txt"
    argv = script(tmp_path, f"open({str(out)!r}, 'w').write(os.environ['COCKPIT_UPDATE_AUDIENCE'] + ':' + text)\n"
                            "print('posted to the pager channel')\n")
    seat = delivering({"name": "cmd", "kind": "command", "command": argv})
    seat.post("Rolling back.", audience="external")
    await seat.settled()
    assert out.read_text() == "external:Rolling back."
    [outcome] = seat.outcomes()
    assert outcome.ok and outcome.detail == "posted to the pager channel"


async def test_command_exit_status_is_the_outcome(delivering, tmp_path):
    argv = script(tmp_path, "print('channel not found', file=sys.stderr)\nsys.exit(3)\n")
    seat = delivering({"name": "cmd", "kind": "command", "command": argv, "attempts": 2})
    seat.post("x")
    await seat.settled()
    first, second = seat.outcomes()
    assert first.detail == f"{argv[0]} exited with 3: channel not found"
    assert (first.final, second.final, second.attempt) == (False, True, 2)


async def test_command_past_its_time_is_stopped(delivering, tmp_path):
    pid_file = tmp_path / "pid"
    argv = script(tmp_path, f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\nimport time\ntime.sleep(600)\n")
    seat = delivering({"name": "cmd", "kind": "command", "command": argv, "attempts": 1, "timeout": "1s"})
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert outcome.detail == f"{argv[0]} did not finish within 1 s" and outcome.final
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


async def test_command_that_cannot_start_fails_at_once(delivering, tmp_path):
    seat = delivering({"name": "cmd", "kind": "command", "command": [str(tmp_path / "missing")]})
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert outcome.final and outcome.detail.startswith("cannot run ")


async def test_a_url_the_client_cannot_use_is_refused_without_showing_it(delivering, monkeypatch):
    monkeypatch.setenv("SLACK_HOOK", "http://127.0.0.1:99999/services/T0/B0/s3cr3t-t0ken")
    seat = delivering({"name": "team-slack", "kind": "slack", "url": "env:SLACK_HOOK"})
    seat.post("x")
    await seat.settled()
    [outcome] = seat.outcomes()
    assert (outcome.ok, outcome.final, outcome.detail) == (False, True, "the URL of 127.0.0.1 has no valid port")
    assert "s3cr3t" not in str([n.text for n in seat.notices])
