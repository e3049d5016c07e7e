"""The report lists the alerts the monitoring raised: how long each fired, its severity, its
summary and its runbook, in JSON and in the Markdown draft."""

from __future__ import annotations

from datetime import timedelta

from cockpit.domain import events as ev
from cockpit.retro.markdown import render_markdown
from cockpit.retro.report import report_for_session
from tests.conftest import T0


def test_alerts_with_their_durations_severity_summary_and_runbook(make_session, clock):
    session = make_session()

    def at(minutes: int, seconds: int = 0) -> None:
        clock.set(T0 + timedelta(minutes=minutes, seconds=seconds))

    at(0, 30)
    session.record(ev.AlertFiring(fingerprint="aaa", alertname="HighErrorRate", severity="critical",
                                  summary="checkout 5xx above 5%", runbook_url="https://runbooks.example/5xx",
                                  starts_at=T0 + timedelta(seconds=20)))
    at(10)
    session.record(ev.AlertFiring(fingerprint="bbb", alertname="SlowPayments", severity="warning",
                                  summary="p99 | over 2s", runbook_url="javascript:alert(1)",
                                  starts_at=T0 + timedelta(minutes=9, seconds=50)))
    at(20)
    session.record(ev.AlertResolved(fingerprint="aaa", alertname="HighErrorRate", severity="critical",
                                    summary="checkout 5xx above 5%", runbook_url="https://runbooks.example/5xx",
                                    starts_at=T0 + timedelta(seconds=20),
                                    ends_at=T0 + timedelta(minutes=19, seconds=50)))
    at(30)
    session.record(ev.NoteAdded(text="still slow"))  # the end of the record

    report = report_for_session(session)
    first, second = report["alerts"]
    assert (first["alertname"], first["severity"], first["still_firing"]) == ("HighErrorRate", "critical", False)
    assert first["duration_s"] == 19 * 60 + 30  # Alertmanager's startsAt → endsAt
    assert first["runbook_url"] == "https://runbooks.example/5xx"
    assert (second["alertname"], second["still_firing"], second["ends_at"]) == ("SlowPayments", True, None)
    assert second["duration_s"] == 20 * 60 + 10  # to the end of the record

    draft = render_markdown(report)
    section = draft.split("## Alerts")[1].split("## Key metrics")[0]
    assert ("| HighErrorRate | critical | checkout 5xx above 5% | 04:10:20 | 19m 30s (until 04:29:50) |"
            " [runbook](https://runbooks.example/5xx) |") in section
    assert "| SlowPayments | warning | p99 \\| over 2s | 04:19:50 | still firing (20m 10s at the end" in section
    assert "[runbook](javascript" not in section and "javascript:alert(1)" in section


def test_a_report_without_alerts_says_so(make_session):
    draft = render_markdown(report_for_session(make_session()))
    assert "## Alerts\n\nNo alert was received from the monitoring.\n" in draft
