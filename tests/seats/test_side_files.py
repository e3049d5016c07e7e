"""Files beside a session are never reached through a planted link and never wider than asked:
each attack below is performed for real and must fail."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from cockpit.cli import main
from cockpit.seats import PollerLease, SeatPresence, ShareError, share_with_group


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def victim(tmp_path):
    """Someone's private key and home folder, which a planted link points at."""
    home = tmp_path / "victim"
    home.mkdir(mode=0o700)
    os.chmod(home, 0o700)
    key = home / "id_rsa"
    key.write_text("-----BEGIN KEY-----\n")
    os.chmod(key, 0o600)
    return home, key


def _group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def test_a_lock_planted_as_a_link_is_refused_and_its_target_untouched(session_file, victim):
    home, key = victim
    lock = session_file.with_name(f"{session_file.name}.poller.lock")
    lock.symlink_to(key)
    lease = PollerLease(session_file)
    assert not lease.try_acquire() and lease.error
    with pytest.raises(ShareError, match="refused|Too many levels"):
        share_with_group(session_file, _group())
    assert _mode(key) == 0o600 and key.read_text() == "-----BEGIN KEY-----\n"


def test_a_seats_folder_planted_as_a_link_is_refused_and_its_target_untouched(session_file, victim):
    home, _ = victim
    SeatPresence(session_file).folder.symlink_to(home)
    assert not SeatPresence(session_file).mark("alice")
    with pytest.raises(ShareError):
        share_with_group(session_file, _group())
    assert _mode(home) == 0o700 and sorted(p.name for p in home.iterdir()) == ["id_rsa"]


def test_a_dangling_link_is_never_created_through(session_file, tmp_path):
    target = tmp_path / "created-through-the-link"
    session_file.with_name(f"{session_file.name}.poller.lock").symlink_to(target)
    assert not PollerLease(session_file).try_acquire()
    assert not target.exists()


def test_sharing_widens_only_the_cockpits_own_files(session_file):
    share_with_group(session_file, _group())
    lock = session_file.with_name(f"{session_file.name}.poller.lock")
    assert _mode(session_file) == 0o660 and _mode(lock) == 0o660
    assert _mode(SeatPresence(session_file).folder) == 0o770


def test_under_umask_000_new_files_and_folders_are_private(tmp_path, capsys):
    old = os.umask(0)
    try:
        folder = tmp_path / "fresh" / "sessions"
        path = folder / "s.toml"
        assert main(["new", "--no-ui", "--title", "x", "--session", str(path)]) == 0
        report = tmp_path / "report.md"
        assert main(["report", str(path), "-o", str(report)]) == 0
        assert PollerLease(path).try_acquire()
        assert SeatPresence(path).mark("alice")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600 and _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    assert _mode(report) == 0o600
    assert _mode(path.with_name("s.toml.poller.lock")) == 0o600
    assert _mode(SeatPresence(path).folder) == 0o700


def test_a_report_written_over_a_planted_link_replaces_the_link_not_its_target(session_file, victim,
                                                                               tmp_path):
    _, key = victim
    report = tmp_path / "report.md"
    report.symlink_to(key)
    assert main(["report", str(session_file), "-o", str(report)]) == 0
    assert key.read_text() == "-----BEGIN KEY-----\n" and not report.is_symlink()
    assert _mode(report) == 0o600
