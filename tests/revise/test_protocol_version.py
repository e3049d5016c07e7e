"""A protocol's version: a content hash of its steps, recorded in the session it runs in."""

from __future__ import annotations

from cockpit.cli import main
from cockpit.domain.protocol import Step, protocol_version
from cockpit.settings import ProtocolFile, load_model, load_protocol
from cockpit.tomlfmt import parse_toml

STEPS = '''
[[steps]]
id = "declare"
text = "Declare the incident"
due = "90s"
done_on = "declared"
'''


def test_the_same_steps_give_the_same_version_whatever_the_layout(tmp_path):
    plain = tmp_path / "a.toml"
    plain.write_text('name = "p"\ntitle = "P"\n' + STEPS)
    dressed = tmp_path / "b.toml"
    dressed.write_text('# our runbook\nname = "p"\ntitle = "Another title"\ndescription = "words"\n'
                       + STEPS.replace('due = "90s"', 'due   =   "1m30s"   # a minute and a half'))
    one, two = load_model(plain, ProtocolFile), load_model(dressed, ProtocolFile)
    assert protocol_version(one.steps) == protocol_version(two.steps)
    assert len(protocol_version(one.steps)) == 12


def test_any_change_to_a_step_gives_another_version():
    base = Step(id="declare", text="Declare the incident", due="90s")
    versions = {protocol_version([step]) for step in (
        base, base.model_copy(update={"text": "Declare it"}), base.model_copy(update={"owner": "commander"}),
        Step(id="declare", text="Declare the incident", due="2m"), Step(id="declared", text="Declare the incident"))}
    assert len(versions) == 5
    assert protocol_version([base, Step(id="b", text="B")]) != protocol_version([Step(id="b", text="B"), base])


def test_a_new_session_records_the_version_of_its_protocol(tmp_path):
    path = tmp_path / "s.toml"
    assert main(["new", "--no-ui", "--title", "t", "--session", str(path)]) == 0
    [configured] = [e for e in parse_toml(path.read_text())["events"] if e["kind"] == "session.configured"]
    assert configured["version"] == protocol_version(load_protocol("major-incident").steps)
