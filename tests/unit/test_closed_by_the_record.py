"""Steps the record proves close themselves: one step.done by the cockpit, naming its evidence,
in the same append as the event that proves it, so every seat and the report agree."""

from __future__ import annotations

from cockpit.domain import events as ev
from cockpit.retro.report import report_for_session
from cockpit.session import COCKPIT, Session


def test_a_decision_closes_choose_a_mitigation_with_its_evidence(make_session, clock):
    session = make_session()
    other = Session.open(session.path, handle="bob", clock=clock)
    clock.advance(minutes=3)
    decision = session.record(ev.NoteAdded(text="roll back deploy 2026.11.27-3", tag="decision"))
    [closing] = [e for e in Session.open(session.path).events if isinstance(e, ev.StepDone)
                 and e.by == COCKPIT]
    assert (closing.step, closing.evidence, closing.seq) == ("mitigate", decision.seq, decision.seq + 1)
    assert closing.at == decision.at
    other.refresh()
    assert other.state.steps["mitigate"].by == COCKPIT == session.state.steps["mitigate"].by
    session.record(ev.StatusChanged(status="resolved"))
    report = report_for_session(Session.open(session.path))
    assert "mitigate" not in {step["id"] for step in report["protocol"]["not_done"]}
    [mitigate] = [step for step in report["protocol"]["steps"] if step["id"] == "mitigate"]
    assert mitigate["state"] == "done" and mitigate["by"] == COCKPIT


def test_answering_the_size_up_closes_it_once_and_a_reopened_step_needs_new_evidence(make_session):
    session = make_session()
    for field, value in (("customer_facing", "yes"), ("users_affected", "some"),
                         ("functionality", "partial"), ("data", "none")):
        session.record(ev.ImpactAssessed(field=field, value=value))
    closings = [e for e in session.events if isinstance(e, ev.StepDone) and e.step == "size-up"]
    assert len(closings) == 1 and closings[0].by == COCKPIT
    session.record(ev.StepReopened(step="size-up"))
    session.record(ev.NoteAdded(text="unrelated"))
    assert session.state.steps["size-up"].state == "open"  # the old answers do not close it again
    session.record(ev.ImpactAssessed(field="data", value="at-risk"))
    assert session.state.steps["size-up"].state == "done"
