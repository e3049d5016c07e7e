"""``cockpit status SESSION --update internal|external``: the draft, printed for scripts."""

from __future__ import annotations

from cockpit.cli import main
from cockpit.domain import events as ev


def test_status_prints_the_draft_for_each_audience_and_only_reads(make_session, capsys):
    session = make_session()
    session.record(ev.ImpactAssessed(field="services", value="checkout"))
    session.record(ev.NoteAdded(text="roll back deploy 3", tag="decision", by="bob"))
    session.close()
    before = session.path.read_bytes()
    assert main(["status", str(session.path), "--update", "external"]) == 0
    external = capsys.readouterr().out
    assert external.startswith("Issue with checkout · update ")
    assert "SEV2" not in external and "bob" not in external and "Next update by " in external
    assert main(["status", str(session.path), "--update", "internal"]) == 0
    internal = capsys.readouterr().out
    assert "\nConditions\n- SEV2 (major), investigating," in internal
    assert "decision: roll back deploy 3 (bob)" in internal
    assert session.path.read_bytes() == before


def test_an_unknown_audience_is_bad_usage(make_session, capsys):
    session = make_session()
    assert_code = None
    try:
        main(["status", str(session.path), "--update", "customers"])
    except SystemExit as exit_:
        assert_code = exit_.code
    assert assert_code == 2
    assert "invalid choice: 'customers'" in capsys.readouterr().err
