"""One gate for text that reaches a terminal: whatever goes in, nothing that steers the terminal
or hides itself comes out; hostile handles are refused at every entry."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from cockpit.cli import main
from cockpit.domain.events import Person
from cockpit.settings import Config
from cockpit.text import printable

STEERING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=200))
def test_random_bytes_come_out_harmless(raw):
    for text in (raw.decode("utf-8", "replace"), raw.decode("latin-1")):
        for one_line in (False, True):
            shown = printable(text, one_line=one_line)
            assert not STEERING.search(shown) and not HIDDEN.search(shown)
            if one_line:
                assert "\n" not in shown


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_random_text_comes_out_harmless_and_visible_text_is_kept(text):
    shown = printable(text)
    assert not STEERING.search(shown) and not HIDDEN.search(shown)
    if "\x1b" in text or "\x9b" in text:
        return  # what follows an escape is part of the sequence, and goes with it
    plain = "".join(c for c in text if c.isalnum())
    assert all(c in shown for c in plain if not HIDDEN.match(c))


@pytest.mark.parametrize("hostile, shown", [
    ("alice\u200b", "alice<U+200B>"), ("\u202eevil", "<U+202E>evil"),
    ("\x1b]52;c;SGk=\x07x", "x"), ("\x1b]2;OWNED\x07t", "t"), ("a\x1b[2Jb", "ab"),
    ("\x9b31mred", "31mred"),
])
def test_known_attacks_are_stripped_or_made_visible(hostile, shown):
    assert printable(hostile) == shown


def cockpit(*args: str) -> int:
    try:
        return main(list(args))
    except SystemExit as exc:  # argparse refuses bad arguments this way
        return int(exc.code)


@pytest.mark.parametrize("handle", ["alice\u200b", "\u202ebob", "\x1b]52;c;SGk=\x07", "two words", ""])
def test_hostile_handles_are_refused_at_every_entry(handle, tmp_path, capsys, monkeypatch):
    with pytest.raises(ValueError):
        Config(people=(Person(handle=handle),))
    path = tmp_path / "s.toml"
    if handle:
        assert cockpit("new", "--no-ui", "--title", "x", "--session", str(path), "--as", handle) == 2
        assert not path.exists()
        err = capsys.readouterr().err
        assert "\x1b" not in err and "\u200b" not in err and "\u202e" not in err
    assert main(["new", "--no-ui", "--title", "x", "--session", str(path), "--as", "alice"]) == 0
    assert main(["record", str(path), "member.joined", f"handle={handle}"]) == 2
    monkeypatch.setenv("COCKPIT_USER", handle or "\u200b")
    assert main(["log", str(path), "hello"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u200b" not in err and "\u202e" not in err


def test_hostile_titles_and_notes_reach_stdout_harmless(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    hostile = "Checkout \x1b]2;OWNED\x07down\u202e \x1b[2J" + "x" * 80
    assert cockpit("new", "--no-ui", "--title", hostile) == 0
    path = capsys.readouterr().out.strip()
    assert cockpit("log", path, "note \x1b]52;c;SGk=\x07 with \u200b", "--as", "bob") == 0
    for command in (["sessions"], ["status", path], ["report", path], ["validate", path]):
        assert cockpit(*command) == 0, command
        out, err = capsys.readouterr()
        for stream in (out, err):
            assert not STEERING.search(stream.replace("\n", "").replace("\t", "")), command
            assert not HIDDEN.search(stream), command
    assert cockpit("sessions") == 0
    assert "…" in capsys.readouterr().out  # a cut title ends with an ellipsis
