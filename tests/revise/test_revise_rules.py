"""``cockpit protocol revise``: each kind of evidence becomes its change, with the sessions that
motivated it, in a file that validates; the original is never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.settings import ProtocolFile
from cockpit.tomlfmt import parse_toml

ORIGINAL = (Path(__file__).resolve().parents[2] / "config" / "protocols" / "major-incident.toml")


def _incident(tmp_path: Path, name: str, script: list[list[str]], *, resolve_at: str | None = "T+55:00",
              severity: str = "SEV2") -> Path:
    path = tmp_path / f"{name}.toml"
    assert main(["new", "--no-ui", "--title", name, "--severity", severity, "--session", str(path),
                 "--at", "2026-11-20T10:00:00Z", "--as", "alice"]) == 0
    for command in script:
        assert main(command[:1] + [str(path)] + command[1:]) == 0, command
    if resolve_at:
        assert main(["record", str(path), "status.changed", "status=resolved", "--at", resolve_at]) == 0
    return path


def _revise(capsys, *sessions: Path, output: Path) -> str:
    capsys.readouterr()
    assert main(["protocol", "revise", *map(str, sessions), "-o", str(output)]) == 0
    return capsys.readouterr().out


def test_late_skipped_cadence_and_missing_notes_become_commented_changes(tmp_path, capsys):
    one = _incident(tmp_path, "one", [
        ["record", "role.assigned", "role=commander", "handle=alice", "--at", "T+01:00"],
        ["record", "role.assigned", "role=comms", "handle=carol", "--at", "T+02:00"],
        ["record", "update.posted", "text=we are on it", "audience=external", "--at", "T+09:00", "--as", "carol"],
        ["record", "step.skipped", "step=stop-changes", "reason=nothing was deployed", "--at", "T+06:00"],
        ["log", "missing step: page the payments on-call before rolling back", "--as", "bob"],
    ])
    output = tmp_path / "proposed.toml"
    diff = _revise(capsys, one, output=output)
    text = output.read_text()
    # late: first external update due 5m, done at 9m → due 9m, owned by comms who did it
    assert "# revised: due 5m → 9m: done late in 1 of 1 sessions: one (by 4m 00s)" in text
    assert '-due = "5m"' in diff and '+due = "9m"' in diff
    # skipped at SEV2 and never done → only for SEV1
    assert "# revised: when = ['SEV1']: skipped in 1 of 1 sessions (one at SEV2: nothing was deployed)" in text
    # the external cadence: one update in 55 minutes, against every 20m
    assert "# revised: every 20m → " in text
    # the note naming a missing step: a new step with its words
    assert "# revised: added: note.added by bob in one: missing step: page the payments" in text
    revised = ProtocolFile.model_validate(parse_toml(text))
    added = revised.steps[-1]
    assert (added.id, added.text) == ("page-the-payments-on-call-before", "Page the payments on-call before rolling back")
    assert diff.startswith(f"--- {ORIGINAL}\n+++ {output}\n")
    # one resolved incident is too little to call a step unused
    assert "never used" not in text


def test_steps_unused_in_every_resolved_incident_are_proposed_for_removal_as_comments(tmp_path, capsys):
    sessions = [_incident(tmp_path, name, [["record", "role.assigned", "role=commander", "handle=alice",
                                            "--at", "T+01:00"]]) for name in ("a", "b")]
    output = tmp_path / "proposed.toml"
    _revise(capsys, *sessions, output=output)
    text = output.read_text()
    assert "# revised: removed: never used in 2 resolved incidents (a, b)\n# [[steps]]\n# id = \"open-bridge\"" in text
    ids = [s.id for s in ProtocolFile.model_validate(parse_toml(text)).steps]
    assert "open-bridge" not in ids and "assign-commander" in ids and "resolve" in ids


def test_an_unresolved_incident_proposes_no_removal(tmp_path, capsys):
    sessions = [_incident(tmp_path, name, [], resolve_at=None) for name in ("a", "b")]
    output = tmp_path / "proposed.toml"
    assert "no changes to propose for 'major-incident'" in _revise(capsys, *sessions, output=output)
    assert not output.exists()


def test_the_original_is_never_overwritten_and_an_existing_file_needs_force(tmp_path, capsys):
    session = _incident(tmp_path, "one", [["record", "step.done", "step=open-bridge", "--at", "T+09:00"]])
    before = ORIGINAL.read_bytes()
    assert main(["protocol", "revise", str(session), "-o", str(ORIGINAL), "--force"]) == 2
    assert "never overwrites it" in capsys.readouterr().err
    assert ORIGINAL.read_bytes() == before
    output = tmp_path / "proposed.toml"
    output.write_text("mine")
    assert main(["protocol", "revise", str(session), "-o", str(output)]) == 2
    assert "give --force" in capsys.readouterr().err
    assert output.read_text() == "mine"
    assert main(["protocol", "revise", str(session), "-o", str(output), "--force"]) == 0
    assert output.stat().st_mode & 0o777 == 0o600 and "revised:" in output.read_text()


def test_without_output_only_the_diff_is_printed(tmp_path, capsys):
    session = _incident(tmp_path, "one", [["record", "step.done", "step=open-bridge", "--at", "T+09:00"]])
    capsys.readouterr()
    assert main(["protocol", "revise", str(session)]) == 0
    captured = capsys.readouterr()
    assert "+++ proposed" in captured.out and "write them with -o FILE" in captured.err


@pytest.mark.parametrize("second_protocol", ["security-breach"])
def test_sessions_on_different_protocols_are_refused(tmp_path, capsys, second_protocol):
    one = _incident(tmp_path, "one", [])
    other = tmp_path / "other.toml"
    assert main(["new", "--no-ui", "--title", "x", "--protocol", second_protocol, "--session", str(other)]) == 0
    assert main(["protocol", "revise", str(one), str(other)]) == 2
    assert "different protocols" in capsys.readouterr().err


def test_a_value_written_over_several_lines_is_replaced_whole(tmp_path, capsys):
    protocol = tmp_path / "protocols" / "multi.toml"
    protocol.parent.mkdir()
    protocol.write_text('name = "multi"\ntitle = "Multi"\n\n[[steps]]\nid = "declare"\ntext = "Declare"\n'
                        'done_on = "declared"\n\n[[steps]]\nid = "freeze"\ntext = "Freeze deploys"\nwhen = [\n'
                        '    "SEV1",\n    "SEV2",\n]\n')
    config = tmp_path / "cockpit.toml"
    config.write_text("")
    session = tmp_path / "s.toml"
    assert main(["--config", str(config), "new", "--no-ui", "--title", "t", "--protocol", "multi",
                 "--severity", "SEV2", "--session", str(session)]) == 0
    assert main(["record", str(session), "step.skipped", "step=freeze", "reason=nothing deployed"]) == 0
    output = tmp_path / "proposed.toml"
    capsys.readouterr()
    assert main(["--config", str(config), "protocol", "revise", str(session), "-o", str(output)]) == 0
    revised = ProtocolFile.model_validate(parse_toml(output.read_text()))
    assert revised.steps[1].when == ("SEV1",)
    assert '    "SEV2",' not in output.read_text()
