"""``done_when``: steps the record proves done, checked when the protocol is read, and proved
by a pure function of the state (the seat records ``step.done`` by ``cockpit`` with evidence)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.domain import events as ev
from cockpit.domain.protocol import SIZE_UP_FIELDS, DoneWhen, Step, parse_done_when
from cockpit.domain.state import fold, proven_steps
from cockpit.settings import ConfigError, ProtocolFile, available, load_model, load_protocol
from tests.conftest import T0

STEPS = (
    Step(id="declare", text="Declare", done_on="declared"),
    Step(id="size-up", text="Size up", due=timedelta(minutes=10), done_when="impact answered"),
    Step(id="scope", text="Scope", done_when="impact answered: services, regions"),
    Step(id="roles", text="Assign roles", done_when="roles filled: deputy, scribe"),
    Step(id="first-ext", text="First external update", done_when="update posted: external"),
    Step(id="any-update", text="Any update", done_when="update posted"),
    Step(id="mitigate", text="Choose a mitigation", done_when="decision recorded"),
    Step(id="restore", text="Choose a restore point", done_when="decision recorded: restore"),
    Step(id="sev1-only", text="Call the CEO", when=("SEV1",), done_when="decision recorded"),
)


def incident(*bodies, steps=STEPS):
    events = [ev.SessionConfigured(seq=1, at=T0, by="alice", protocol="p", steps=steps),
              ev.IncidentDeclared(seq=2, at=T0, by="alice", title="t", severity="SEV2")]
    for seq, (minutes, body) in enumerate(bodies, start=3):
        events.append(body.model_copy(update={"seq": seq, "at": T0 + timedelta(minutes=minutes),
                                              "by": body.by or "alice"}))
    return events


def proven(*bodies, steps=STEPS):
    return dict(proven_steps(fold(incident(*bodies, steps=steps))))


def impact(field, value):
    return ev.ImpactAssessed(field=field, value=value)


# -- the phrases ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "parsed"), [
    ("impact answered", DoneWhen("impact", SIZE_UP_FIELDS)),
    ("Impact answered: users affected, data", DoneWhen("impact", ("users_affected", "data"))),
    ("roles filled: deputy, scribe, ops, comms", DoneWhen("roles", ("deputy", "scribe", "ops", "comms"))),
    ("update posted: external", DoneWhen("update", ("external",))),
    ("update posted:  internal", DoneWhen("update", ("internal",))),
    ("update posted", DoneWhen("update", ())),
    ("decision recorded", DoneWhen("decision", ())),
    ("decision recorded: Restore, roll back", DoneWhen("decision", ("restore", "roll back"))),
])
def test_phrases(text, parsed):
    assert parse_done_when(text) == parsed


@pytest.mark.parametrize(("text", "says"), [
    ("impact known", "not a condition the cockpit can check"),
    ("impact answered: weather", "weather is not a size-up field"),
    ("roles filled", "name the roles"),
    ("roles filled: chef", "chef is not a role"),
    ("update posted: everyone", "internal or external"),
    ("decision recorded:", "nothing listed"),
])
def test_unknown_phrases_are_refused_saying_why(text, says):
    with pytest.raises(ValidationError) as caught:
        Step(id="size-up", text="t", done_when=text)
    message = str(caught.value)
    assert says in message and "step size-up" in message


def test_a_recurring_step_cannot_have_done_when():
    with pytest.raises(ValidationError, match="done_when is for one-off steps"):
        Step(id="cadence", text="t", every=timedelta(minutes=20), done_when="update posted")


def test_a_protocol_file_with_a_bad_phrase_names_the_file_line_and_step(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ntitle = "Bad"\n\n[[steps]]\nid = "declare"\ntext = "Declare"\n\n'
                    '[[steps]]\nid = "size-up"\ntext = "Size up"\ndone_when = "impact known"\n')
    with pytest.raises(ConfigError) as caught:
        load_model(path, ProtocolFile)
    message = str(caught.value)
    assert str(path) in message and "line 11" in message and "step size-up" in message
    assert "impact answered" in message  # says what would be understood


def test_done_when_survives_the_session_file_snapshot():
    step = Step(id="roles", text="t", done_when="roles filled: deputy")
    assert step.model_dump()["done_when"] == "roles filled: deputy"
    assert Step.model_validate(step.model_dump()) == step
    assert "done_when" not in Step(id="x", text="t").model_dump()


def test_bundled_protocols_prove_what_the_record_shows():
    major = {s.id: s for s in load_protocol("major-incident").steps}
    assert major["size-up"].done_when == "impact answered"
    assert major["assign-roles"].done_when == "roles filled: deputy, scribe, ops, comms"
    assert major["mitigate"].done_when == "decision recorded"
    assert major["first-external-update"].done_on == "external-update"  # proved by the fold already
    assert {s.id: s.done_when for s in load_protocol("data-loss").steps}["choose-restore"] \
        == "decision recorded: restore"
    for name in available("protocols"):  # every bundled phrase parses
        for step in load_protocol(name).steps:
            assert step.done_when is None or step.condition is not None


# -- proving ----------------------------------------------------------------------------------

def test_nothing_is_proven_by_an_empty_record():
    assert proven() == {}


def test_impact_answered_needs_every_size_up_answer_and_names_the_last():
    answers = [(1, impact("customer_facing", "yes")), (2, impact("users_affected", "some")),
               (3, impact("functionality", "partial"))]
    assert "size-up" not in proven(*answers)
    assert "size-up" not in proven(*answers, (4, impact("data", "unknown")))  # unknown is no answer
    seqs = proven(*answers, (4, impact("data", "unknown")), (5, impact("data", "none")))
    assert seqs["size-up"] == 7  # the seq of the answer that completed the size-up
    assert "scope" not in seqs  # services and regions are asked for by name only


def test_impact_answered_with_named_fields():
    assert proven((1, impact("services", "checkout")), (2, impact("regions", "EU")))["scope"] == 4


def test_roles_filled_needs_a_current_holder_for_each():
    assert "roles" not in proven((1, ev.RoleAssigned(role="deputy", handle="bob")))
    both = proven((1, ev.RoleAssigned(role="deputy", handle="bob")),
                  (2, ev.RoleAssigned(role="scribe", handle="dan")))
    assert both["roles"] == 4
    released = proven((1, ev.RoleAssigned(role="deputy", handle="bob")),
                      (2, ev.RoleAssigned(role="scribe", handle="dan")),
                      (3, ev.RoleReleased(role="scribe", handle="dan")))
    assert "roles" not in released


def test_update_posted_by_audience():
    internal = proven((1, ev.UpdatePosted(text="i", audience="internal")))
    assert "first-ext" not in internal and internal["any-update"] == 3
    both = proven((1, ev.UpdatePosted(text="i", audience="internal")),
                  (2, ev.UpdatePosted(text="e", audience="external")),
                  (3, ev.UpdatePosted(text="e2", audience="external")))
    assert both["first-ext"] == 4  # the first external update proves it


def test_decision_recorded_and_decision_about():
    notes = proven((1, ev.NoteAdded(text="restart the pods", tag="note")),
                   (2, ev.NoteAdded(text="Roll back deploy 3", tag="decision")))
    assert notes["mitigate"] == 4 and "restore" not in notes
    restored = proven((2, ev.NoteAdded(text="Roll back deploy 3", tag="decision")),
                      (3, ev.NoteAdded(text="Restore from the 04:00 snapshot", tag="decision")))
    assert (restored["mitigate"], restored["restore"]) == (3, 4)


def test_only_open_applicable_steps_are_listed():
    decision = (2, ev.NoteAdded(text="roll back", tag="decision"))
    assert "sev1-only" not in proven(decision)  # SEV2: the step does not apply
    assert "mitigate" not in proven((1, ev.StepDone(step="mitigate", by="bob")), decision)
    assert "mitigate" not in proven((1, ev.StepSkipped(step="mitigate", reason="n/a")), decision)
    assert "mitigate" not in proven(decision, (3, ev.StepDone(step="mitigate", by="cockpit", evidence=3)))


def test_a_reopened_step_needs_new_evidence():
    """Reopening says the evidence was not enough: the cockpit must not close it again at once."""
    roles = [(1, ev.RoleAssigned(role="deputy", handle="bob")),
             (2, ev.RoleAssigned(role="scribe", handle="dan")),
             (3, ev.StepDone(step="roles", by="cockpit", evidence=4)),
             (4, ev.StepReopened(step="roles", by="alice"))]
    assert "roles" not in proven(*roles)
    assert proven(*roles, (5, ev.RoleAssigned(role="scribe", handle="erin")))["roles"] == 7
    decisions = [(1, ev.NoteAdded(text="roll back", tag="decision")),
                 (2, ev.StepDone(step="mitigate", by="cockpit", evidence=3)),
                 (3, ev.StepReopened(step="mitigate"))]
    assert "mitigate" not in proven(*decisions)
    assert proven(*decisions, (4, ev.NoteAdded(text="fail over", tag="decision")))["mitigate"] == 6


def test_the_cockpit_closing_a_step_keeps_the_evidence_and_its_author():
    events = incident((2, ev.NoteAdded(text="roll back", tag="decision")),
                      (3, ev.StepDone(step="mitigate", by="cockpit", evidence=3)))
    progress = fold(events).steps["mitigate"]
    assert (progress.state, progress.by, progress.evidence) == ("done", "cockpit", 3)
    assert fold(events).proof_of(STEPS[6]) == 3


def test_a_fold_of_the_proof_is_stable():
    """Recording what proven_steps says leaves nothing more to prove: no loop."""
    events = incident((1, impact("customer_facing", "yes")), (1, impact("users_affected", "all")),
                      (1, impact("functionality", "outage")), (1, impact("data", "none")),
                      (2, ev.UpdatePosted(text="e", audience="external")))
    state = fold(events)
    found = proven_steps(state)
    assert {step for step, _ in found} == {"size-up", "first-ext", "any-update"}
    seq = len(events)
    for step, evidence in found:
        seq += 1
        state = fold([ev.StepDone(seq=seq, at=T0 + timedelta(minutes=3), by="cockpit", step=step,
                                  evidence=evidence)], state)
    assert proven_steps(state) == []
