"""Copying as it is: the cockpit says where the text went (it cannot confirm a copy), tmux's
``set-clipboard`` is read from the real tmux server, and what was copied can be saved to a file.
One timeline entry is copied from its detail view; the all-clear opens on resolve; an unedited
draft is written again from the incident as it is when it is sent, other seats included."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from textual.widgets import TextArea

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.clipboard import tmux_clipboard, where_it_went
from cockpit.ui.composer import UpdateComposer
from cockpit.ui.entry_detail import EntryDetail
from tests.ui.test_cockpit import choose, confirm_prompt
from tests.ui.test_palette import open_palette
from tests.waiting import until

WIDE = (160, 48)


@pytest.fixture
def tmux_server(tmp_path):
    """A private tmux server; yields (set its set-clipboard, the $TMUX a program inside it sees)."""
    if shutil.which("tmux") is None:
        pytest.skip("needs tmux")
    name = f"cockpit-copy-{os.getpid()}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", name, "-f", "/dev/null", *args], capture_output=True,
                              text=True, check=True).stdout.strip()

    tmux("new-session", "-d", "sleep 600")
    socket = tmux("display-message", "-p", "#{socket_path}")

    def set_clipboard(value: str) -> None:
        tmux("set-option", "-g", "set-clipboard", value)

    yield set_clipboard, f"{socket},1,0"
    subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_tmux_is_asked_for_its_set_clipboard(tmux_server):
    set_clipboard, inside = tmux_server
    set_clipboard("external")
    assert tmux_clipboard({"TMUX": inside}) == "external"
    said = where_it_went({"TMUX": inside})
    assert "in tmux this needs `set-clipboard on` (set-clipboard is external here)" in said
    set_clipboard("on")
    assert tmux_clipboard({"TMUX": inside}) == "on"
    assert "through tmux (set-clipboard on)" in where_it_went({"TMUX": inside})
    assert tmux_clipboard({}) is None
    assert tmux_clipboard({"TMUX": "/nonexistent/socket,1,0"}) == "unknown"
    assert "cannot see whether the terminal took it" in where_it_went({})


async def test_one_timeline_entry_is_copied_and_saved_from_its_detail(cockpit, tmux_server, monkeypatch,
                                                                      isolated_dirs):
    set_clipboard, inside = tmux_server
    set_clipboard("external")
    monkeypatch.setenv("TMUX", inside)
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        app.incident.record_and_show(ev.NoteAdded(text="replica lag on db-2\nfailing over", tag="decision"))
        await pilot.press("6", "end", "up", "enter")  # the last row: the step the decision closed
        await until(pilot, lambda: isinstance(app.screen, EntryDetail), "the entry detail")
        await pilot.press("c")
        await until(pilot, lambda: any("timeline entry was sent" in t for t in toasts(app)), "where it went")
        assert app.clipboard.startswith("2026-11-27 04:10:00 UTC · alice · note.added (decision)\n")
        assert app.clipboard.endswith("As written:\nreplica lag on db-2\nfailing over")
        said = next(t for t in toasts(app) if "timeline entry was sent" in t)
        assert "set-clipboard on" in said and "copied" not in said
        await pilot.press("w")
        await until(pilot, lambda: any("is saved in" in t for t in toasts(app)), "where it was saved")
        saved = Path(next(t for t in toasts(app) if "is saved in" in t).split("is saved in ")[1])
        assert saved.read_text() == app.clipboard + "\n"
        assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
        assert saved.parent == isolated_dirs / "xdg-data" / "cockpit" / "saved"
        assert stat.S_IMODE(os.stat(saved.parent).st_mode) == 0o700
        await pilot.press("escape")
        await open_palette(pilot, "save the copied")
        await pilot.press("enter")
        await until(pilot, lambda: sum("is saved in" in t for t in toasts(app)) == 2, "a second save")
    assert len(list(saved.parent.iterdir())) == 2


async def test_the_update_toast_says_where_the_text_went(cockpit, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("STY", raising=False)
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdateComposer), "the composer")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, UpdateComposer), "the composer to close")
        said = next(t for t in toasts(app) if t.startswith("Recorded as #"))
    assert "sent to the terminal's clipboard; the cockpit cannot see whether the terminal took it" in said
    assert "copied to the clipboard" not in said


async def test_resolving_opens_the_all_clear_for_each_audience(cockpit, make_session, config, clock):
    session = make_session(config=config)
    session.record(ev.ImpactAssessed(field="services", value="checkout"))
    session.record(ev.ImpactAssessed(field="functionality", value="partial"))
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await choose(pilot, "resolved")
        await confirm_prompt(pilot)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, UpdateComposer), "the external all-clear")
        external = app.screen
        text = external.query_one(TextArea).text
        assert external.audience == "external" and text.startswith("Resolved: the issue with checkout")
        assert "checkout work normally again" in text and "partial" not in text
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, UpdateComposer) and app.screen is not external,
                    "the internal all-clear")
        internal = app.screen.query_one(TextArea).text
        assert app.screen.audience == "internal"
        assert "- Functionality: restored" in internal and "partial" not in internal
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, UpdateComposer), "the composer to close")
    updates = [e for e in Session.open(session.path).events if isinstance(e, ev.UpdatePosted)]
    assert [u.audience for u in updates] == ["external"] and updates[0].text.startswith("Resolved:")


async def test_an_unedited_draft_is_written_again_when_sent(cockpit, make_session, config):
    session = make_session(config=config)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdateComposer), "the composer")
        composer = app.screen
        assert composer.audience == "external"  # the protocol's first update is external
        assert "checkout" not in composer.query_one(TextArea).text
        other = Session.open(session.path, handle="bob")  # another seat, another process's view
        other.record(ev.ImpactAssessed(field="services", value="checkout"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, UpdateComposer), "the composer to close")
    sent = [e for e in Session.open(session.path).events if isinstance(e, ev.UpdatePosted)][-1]
    assert sent.text.startswith("Issue with checkout · update")


async def test_an_edited_draft_is_sent_as_the_lead_wrote_it(cockpit, make_session, config):
    session = make_session(config=config)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdateComposer), "the composer")
        app.screen.query_one(TextArea).load_text("Our own words.")
        Session.open(session.path, handle="bob").record(ev.ImpactAssessed(field="services", value="checkout"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, UpdateComposer), "the composer to close")
    sent = [e for e in Session.open(session.path).events if isinstance(e, ev.UpdatePosted)][-1]
    assert sent.text == "Our own words."
