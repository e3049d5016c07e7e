"""Reading never writes: every command that only reads leaves a session byte-identical and its
folder as it was, even when the file holds a torn tail and a damaged event."""

from __future__ import annotations

import hashlib

import pytest

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.tomlfmt import event_block


def _listing(folder):
    return sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
                  for p in folder.rglob("*"))


@pytest.fixture
def battered(make_session, tmp_path, monkeypatch, clock):
    """A saved session (in the user's sessions folder) with damage in the middle and a torn tail."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = tmp_path / "data" / "cockpit" / "sessions"
    folder.mkdir(parents=True)
    session = make_session(path=folder / "2026-11-27-0410-checkout.toml")
    session.record(ev.NoteAdded(text="before the damage"))
    with open(session.path, "ab") as handle:
        handle.write(b'\n[[events]]\nkind = "note.added\x00"\nseq = 90\n')
        handle.write(event_block({"at": clock.now(), "by": "bob", "kind": "note.added",
                                  "text": "after the damage", "tag": "note", "seq": 91}))
        handle.write(b'\n[[events]]\nat = 2026-11-27T05:00:00.000Z\nby = "x"\nkind = "note.ad')
    session.close()
    return session.path


@pytest.mark.parametrize("command", [
    ["status"], ["status", "--json"], ["report"], ["report", "--format", "json"], ["validate"],
    ["sessions"], ["sessions", "--json"]], ids=" ".join)
def test_a_read_only_command_leaves_the_session_and_its_folder_alone(battered, capsys, command):
    before = _listing(battered.parent)
    args = [*command, str(battered)] if command[0] not in ("sessions",) else command
    code = main(args)
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in err and "This is a bug" not in err
    assert _listing(battered.parent) == before
    if command[0] == "status":
        assert "damaged" in err and "torn" in err  # said, with where it is
        assert code == 0


def test_reading_keeps_the_events_on_both_sides_of_the_damage(battered, capsys):
    assert main(["status", "--json", str(battered)]) == 0
    out, _ = capsys.readouterr()
    assert '"notes": 2' in out.replace(" ", "").replace('"notes":2', '"notes": 2')
