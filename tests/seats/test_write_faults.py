"""Seats that may not or cannot write: read-only seats, a full disk, a file of another user."""

from __future__ import annotations

import compileall
import grp
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cockpit.domain import events as ev
from cockpit.journal import Journal, JournalWriteError
from cockpit.seats import SeatPresence, ShareError, poller_lock_path, share_with_group
from cockpit.session import ReadOnlySession, Session
from tests.disks import fill

OTHER_UID = 65534  # "nobody": a teammate who is not the session's owner
WORKER = Path(__file__).with_name("seat_worker.py")


def test_read_only_seat_refuses_every_recording_action_and_leaves_the_file_alone(session_file):
    before = session_file.read_bytes()
    wall = Session.open(session_file, handle="wall", read_only=True)
    for action in (ev.NoteAdded(text="hello"), ev.StepDone(step="open-bridge"),
                   ev.SeverityChanged(severity="SEV1"), ev.StatusChanged(status="resolved")):
        with pytest.raises(ReadOnlySession, match="read-only.*without --read-only"):
            wall.record(action)
    with pytest.raises(ReadOnlySession):  # not even its own coming and going
        wall.record(ev.SeatJoined(handle="wall", read_only=True))
    assert session_file.read_bytes() == before and wall.pending == []




def test_full_disk_keeps_the_event_says_so_and_writes_it_once_space_is_back(
        small_disk, make_session, clock):
    session = make_session(path=small_disk / "incident.toml")
    follower = Session.open(session.path, handle="bob")
    filler = fill(small_disk)
    landed = []
    with pytest.raises(JournalWriteError, match="the disk is full"):
        for i in range(200):  # the file's last page may still take a few events
            clock.advance(1)
            landed.append(session.record(ev.NoteAdded(text=f"note {i}")))
    refused_at = clock.now()
    assert [e.text for e in session.pending] == [f"note {len(landed)}"]
    assert "disk is full" in (session.last_error or "")
    on_disk = Journal(session.path).load()
    assert on_disk.recovery is None  # nothing partial was left behind
    assert [e["seq"] for e in on_disk.events] == list(range(1, 3 + len(landed) + 1))
    assert [e.text for e in follower.refresh()] == [e.text for e in landed]

    clock.advance(30)
    with pytest.raises(JournalWriteError):  # still full: still kept
        session.retry_pending()
    assert len(session.pending) == 1

    filler.unlink()
    assert session.retry_pending() is True
    assert session.pending == [] and session.last_error is None
    kept = follower.refresh()
    assert [(e.text, e.at) for e in kept] == [(f"note {len(landed)}", refused_at)]
    assert kept[0].seq == 3 + len(landed) + 1


@pytest.fixture
def shared_folder():
    """A folder outside the test's private tmp dir, so another Unix user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="cockpit-shared-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def _setpriv(group: int | None = None) -> list[str]:
    """``setpriv`` switching to the teammate (and member of ``group``), every capability dropped."""
    groups = f"--groups={group}" if group is not None else "--clear-groups"
    return ["setpriv", f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", groups]


@dataclass(frozen=True)
class Teammate:
    """cockpit as the teammate can run it: an interpreter and a package folder that user can
    reach, wherever the checkout is. A checkout (and its venv) in a folder only its owner can
    enter (a 0700 home, ``mktemp -d``) is out of another user's reach, so cockpit, what it needs
    and the seat worker are copied into a world-readable temporary folder."""

    python: str
    site: Path
    worker: Path


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)  # the same bytes, readable by all as the original is
    except OSError:
        shutil.copy2(source, target)


def _copy_runtime(site: Path) -> None:
    """cockpit (its bundled config and themes included) and every distribution it requires,
    transitively, as their RECORDs list them (test tools stay behind), compiled: the teammate
    cannot write bytecode there, and compiling all of it at each start takes seconds."""
    import cockpit
    from cockpit.paths import bundled_dir

    package = Path(cockpit.__file__).parent
    shutil.copytree(package, site / "cockpit",
                    copy_function=lambda s, t: _link_or_copy(Path(s), Path(t)))
    if not (site / "cockpit" / "_bundled").is_dir():  # an editable install: as the wheel has them
        for name in ("config", "themes"):
            shutil.copytree(bundled_dir() / name, site / "cockpit" / "_bundled" / name)
    seen, todo = {"cockpit"}, [*(metadata.requires("cockpit") or [])]
    while todo:
        requirement = Requirement(todo.pop())
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        todo.extend(dist.requires or [])
        for file in dist.files or []:
            if file.parts[0] != "..":
                source = Path(dist.locate_file(file))
                if source.is_file():
                    _link_or_copy(source, site / file)
    compileall.compile_dir(site, quiet=2)  # what the RECORDs did not list, cockpit's own


def _teammate_can_run(python: str, site: Path) -> bool:
    """Whether the teammate can start ``python`` on its own and import cockpit from ``site``."""
    probe = ("import os, sys; import cockpit.cli, cockpit.seats, cockpit.session\n"
             "print(os.access(os.path.realpath(sys.executable), os.X_OK)"
             f" and sys.version_info[:2] == {tuple(sys.version_info[:2])})")
    done = subprocess.run([*_setpriv(), python, "-c", probe], capture_output=True, text=True,
                          timeout=60, cwd="/", env=_teammate_env(site))
    return done.stdout.strip() == "True"


def _teammate_env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def teammate_runtime():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run a seat as another Unix user")
    root = Path(tempfile.mkdtemp(prefix="cockpit-teammate-"))
    try:
        root.chmod(0o755)
        _copy_runtime(root / "site")
        worker = root / "seat_worker.py"
        shutil.copy(WORKER, worker)
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        # the venv's own interpreter may resolve under /root: the teammate needs one it can reach
        candidates = dict.fromkeys(
            c for c in (os.path.realpath(sys.executable), getattr(sys, "_base_executable", None),
                        shutil.which(version, path="/usr/local/bin:/usr/bin:/bin"))
            if c)
        python = next((c for c in candidates if _teammate_can_run(c, root / "site")), None)
        if python is None:
            pytest.skip(f"no {version} that user {OTHER_UID} can run (tried {list(candidates)})")
        yield Teammate(python, root / "site", worker)
    finally:
        shutil.rmtree(root)


@pytest.fixture
def as_teammate(teammate_runtime: Teammate):
    """Arguments running a process as another Unix user (and member of ``group``), with an
    interpreter and cockpit that user can reach, for ``_cockpit`` and the ``seats`` fixture."""

    def arguments(group: int | None = None) -> dict:
        return {"prefix": _setpriv(group), "cwd": "/", "env": _teammate_env(teammate_runtime.site),
                "python": teammate_runtime.python, "worker": teammate_runtime.worker}

    return arguments


def _cockpit(*args: str, prefix: Sequence[str] = (), python: str = sys.executable,
             worker: Path | None = None, **popen) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, python, "-m", "cockpit", *args], capture_output=True,
                          text=True, timeout=60, **popen)


def test_a_teammate_who_cannot_write_is_told_the_fix_and_nothing_is_lost_once_shared(
        shared_folder, make_session, seats, as_teammate):
    team = grp.getgrnam("users")
    path = make_session(path=shared_folder / "incident.toml").path
    teammate = as_teammate(team.gr_gid)

    unreadable = _cockpit("log", str(path), "hello", **teammate)
    assert unreadable.returncode == 2
    assert "permission denied" in unreadable.stderr and "--share-group GROUP" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr

    path.chmod(0o644)  # readable, not writable: the usual "I can look but not log" case
    refused = _cockpit("log", str(path), "hello", **teammate)
    assert refused.returncode == 1
    assert "cannot write" in refused.stderr and "--share-group GROUP" in refused.stderr

    seat = seats("retry", path, "bob", **teammate)
    assert "permission denied" in seat.expect("error", timeout=20)
    lease = seats("lease", path, "bob", **teammate)
    lease.expect("held", timeout=20)  # no lock file yet: it created one itself...
    poller_lock_path(path).unlink()
    poller_lock_path(path).touch(mode=0o600)  # ...but the owner's own lock file is not its to open
    denied = seats("lease", path, "bob", **teammate)
    assert "--share-group GROUP" in denied.expect("error", timeout=20)

    assert share_with_group(path, "users") == []
    seat.send("retry")
    seq = int(seat.expect("recorded").split()[1])
    mine = Session.open(path).events[seq - 1]
    assert (mine.by, mine.text) == ("bob", "kept while the disk refused")
    shared = seats("lease", path, "carol", **teammate)
    shared.expect("held", timeout=20)
    assert _cockpit("log", str(path), "now I can", **teammate).returncode == 0


def test_share_with_group_explains_what_it_cannot_do(session_file):
    with pytest.raises(ShareError, match="no Unix group named 'no-such-team'.*getent group"):
        share_with_group(session_file, "no-such-team")
    with pytest.raises(ShareError, match="no session file"):
        share_with_group(session_file.with_name("missing.toml"), "users")
    notes = share_with_group(session_file, "users")  # the test's own folder is private (0700)
    assert os.stat(session_file).st_mode & 0o060 == 0o060
    assert os.stat(session_file).st_gid == grp.getgrnam("users").gr_gid
    assert os.stat(poller_lock_path(session_file)).st_gid == grp.getgrnam("users").gr_gid
    if os.stat(session_file.parent).st_mode & 0o001 == 0:
        assert notes and "cannot enter" in notes[0] and "chmod g+rwx" in notes[0]


def test_sharing_a_file_of_another_user_names_the_command_for_its_owner(shared_folder,
                                                                         as_teammate):
    path = shared_folder / "theirs.toml"
    Journal.create(path, {"session": "theirs"})
    teammate = as_teammate()
    done = subprocess.run(
        [*teammate["prefix"], teammate["python"], "-c",
         "import sys; from cockpit.seats import share_with_group, ShareError\n"
         "try: share_with_group(sys.argv[1], 'users')\nexcept ShareError as e: print(e)",
         str(path)], capture_output=True, text=True, check=True, cwd="/", env=teammate["env"])
    assert "Only the file's owner" in done.stdout
    lock, folder = poller_lock_path(path), SeatPresence(path).folder
    assert (f"chgrp users {path} {lock} {folder} && chmod g+rw {path} {lock}"
            f" && chmod g+rwx {folder}") in done.stdout
    assert not lock.exists() and not folder.exists()  # nothing left behind by the failed try


def test_new_on_a_full_disk_leaves_no_file_behind(small_disk, capsys):
    from cockpit.cli import main

    fill(small_disk)
    target = small_disk / "incident.toml"
    code = main(["new", "--no-ui", "--title", "Checkout 500s", "--session", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and "disk is full" in err and "Traceback" not in err
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
