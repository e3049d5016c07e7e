"""`cockpit report` as people run it: Markdown, JSON, to a file, on odd and bad sessions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.retro.markdown import md
from cockpit.session import Session

JSON_KEYS = {"incident", "metrics", "alerts", "responders", "timeline", "protocol", "updates", "decisions",
             "followups", "action_items", "retro_notes", "suggestions", "objectives", "postmortem"}


def test_markdown_has_every_section_in_template_order(incident, capsys):
    assert main(["report", str(incident)]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Impact", "## Detection", "## Root cause", "## Trigger",
                        "## Contributing factors", "## Resolution", "## Alerts", "## Key metrics",
                        "## Responders", "## Timeline (UTC)", "## Protocol adherence",
                        "## Status updates and deliveries", "## Action items", "## Lessons learned",
                        "## Supporting information", "## Retro notes", "## Suggested protocol changes",
                        "## Postmortem meeting", "## What the record does not say yet"]
    assert out.startswith("# Postmortem: Checkout API returning 500s\n")
    assert "| Time to acknowledge (declared → commander assigned) | 2m 00s |" in out
    assert "| SEV1 | 30m 00s |" in out
    assert "| 2026-11-27 04:11:30 UTC | alice | declared SEV2 (major): Checkout API returning 500s |" in out
    retro = out.split("## Retro notes")[1].split("## Suggested")[0]
    assert retro.index("### How did we get here?") < retro.index("a config push nobody reviewed") \
        < retro.index("### What's the immediate impact?") < retro.index("EU shoppers could not pay")
    assert "Due by Monday 2026-11-30" in out


def test_user_text_cannot_break_the_markdown(make_session, clock, capsys):
    session = make_session(title="# Checkout | `rm -rf` *down*")
    session.record(ev.NoteAdded(text="| a | b |\n# heading\x1b[31m", tag="decision"))
    session.close()
    assert main(["report", str(session.path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == r"# Postmortem: \# Checkout \| \`rm -rf\` \*down\*"
    assert r"- \| a \| b \| # heading (alice, 04:10:00)" in out  # one line: no heading inside
    assert "\x1b" not in out
    for line in out.splitlines():
        if line.startswith("| 20"):  # every timeline row keeps its three cells
            assert len(re.split(r"(?<!\\)\|", line)) == 5, line


def test_md_escapes_structure_only():
    assert md("roll back 2026.11.27-3") == "roll back 2026.11.27-3"
    assert md("- not a list") == r"\- not a list"
    assert md("1. not a list") == r"1\. not a list"
    assert md("<b>[link](x)</b>") == r"\<b\>\[link\](x)\</b\>"
    assert md("") == "—"


def test_json_to_a_file(incident, tmp_path, capsys):
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    assert main(["report", str(incident), "--format", "json", "-o", str(target)]) == 0
    assert "report written to" in capsys.readouterr().err
    doc = json.loads(target.read_text())
    assert set(doc) == JSON_KEYS | {"impact"}
    assert doc["metrics"]["time_to_resolve_s"] == 3510.0
    assert doc["incident"]["start"] == "2026-11-27T04:11:30.000Z"
    assert doc["incident"]["postmortem_due"] == "2026-11-30"


def test_minimal_session_uses_the_protocol_named(tmp_path, clock, capsys):
    path = tmp_path / "minimal.toml"
    path.write_text(
        '[cockpit]\nformat = 1\nsession = "minimal"\n\n'
        '[[events]]\nat = 2026-11-27T04:10:00.000Z\nby = "alice"\nkind = "session.configured"\n'
        'protocol = "major-incident"\nseq = 1\n\n'
        '[[events]]\nat = 2026-11-27T04:10:01.000Z\nby = "alice"\nkind = "incident.declared"\n'
        'title = "Minimal"\nseverity = "SEV3"\nseq = 2\n\n'
        '[[events]]\nat = 2026-11-27T04:12:00.000Z\nby = "zed"\nkind = "pager.escalated"\n'
        'level = 2\nteam = "dba"\nseq = 3\n')
    assert main(["report", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["protocol"]["total"] > 0  # steps from the bundled major-incident.toml
    assert any("protocol file of that name was used" in n for n in doc["protocol"]["notes"])
    raw = [row for row in doc["timeline"] if row["kind"] == "pager.escalated"]
    assert raw == [{"seq": 3, "at": "2026-11-27T04:12:00.000Z", "by": "zed", "kind": "pager.escalated",
                    "text": 'pager.escalated: level=2, team="dba"',
                    "raw": {"level": 2, "team": "dba"}}]
    assert main(["report", str(path)]) == 0
    assert '| 2026-11-27 04:12:00 UTC | zed | pager.escalated: level=2, team="dba" |' \
        in capsys.readouterr().out


def test_unknown_protocol_name_is_said_not_fatal(tmp_path, capsys):
    path = tmp_path / "odd.toml"
    path.write_text('[cockpit]\nformat = 1\n\n[[events]]\nat = 2026-11-27T04:10:00.000Z\nby = "a"\n'
                    'kind = "session.configured"\nprotocol = "nonesuch"\nseq = 1\n')
    assert main(["report", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "no protocol of that name was found" in doc["protocol"]["notes"][0]


def test_bad_input_gets_a_message_and_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("this is not [toml\n")
    assert main(["report", str(broken)]) == 2
    assert main(["report", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("cockpit: error:") == 2


def test_unwritable_output_is_a_runtime_failure(incident, tmp_path, capsys):
    assert main(["report", str(incident), "-o", str(tmp_path / "no" / "such" / "dir.md")]) == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_report_runs_as_a_real_process_without_textual(incident):
    probe = ("import sys, runpy; sys.argv = ['cockpit', 'report', sys.argv[1]];"
             "from cockpit.cli import main; code = main(sys.argv[1:]);"
             "assert 'textual' not in sys.modules, 'report imported textual'; sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, str(incident)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "## Timeline (UTC)" in done.stdout


def test_retro_notes_never_change_the_incident(incident):
    before = Path(incident).read_bytes()
    session = Session.open(incident, handle="dan")
    session.record(ev.RetroNote(text="more", about=session.events[0].at))
    after = Path(incident).read_bytes()
    assert after.startswith(before)


def test_a_torn_last_event_is_said_and_left_alone(incident, capsys):
    with open(incident, "ab") as handle:
        handle.write(b'\n[[events]]\nat = 2026-11-29T04:10:00.000Z\nby = "x"\nkind = "note.ad')
    before = incident.read_bytes()
    assert main(["report", str(incident), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "a torn last event" in captured.err and "not read" in captured.err
    assert incident.read_bytes() == before and not list(incident.parent.glob("*.torn-*"))
    assert json.loads(captured.out)["metrics"]["time_to_resolve_s"] == 3510.0
