"""Shared fixtures: every test gets its own config and data folders and a controllable clock."""

from __future__ import annotations

import gc
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cockpit.domain.clock import ManualClock
from cockpit.session import Session, new_incident
from cockpit.settings import Config, load_protocol

T0 = datetime(2026, 11, 27, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep user config and saved sessions inside the test's own folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("COCKPIT_CONFIG", raising=False)
    monkeypatch.setenv("COCKPIT_USER", "alice")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def collector_unfrozen():
    """A screen sets what is alive aside from the garbage collector (``cockpit.collector``); in
    one test process, the next test's garbage must not be kept for good with it."""
    yield
    gc.unfreeze()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def make_session(tmp_path: Path, clock: ManualClock):
    """A declared incident on the bundled major-incident protocol, at T0, recorded by alice."""

    def make(title: str = "Checkout API returning 500s", severity: str = "SEV2",
             protocol: str = "major-incident", config: Config | None = None, **kwargs) -> Session:
        config = config or Config()
        return new_incident(config=config, protocol=load_protocol(protocol, config), title=title,
                            severity=severity, path=kwargs.pop("path", tmp_path / "incident.toml"),
                            clock=clock, handle=kwargs.pop("handle", "alice"), **kwargs)

    return make


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 256 KiB tmpfs: a disk that really fills up (needs root to mount; skipped otherwise)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.fixture
def terminals():
    """Real terminals (a private tmux server) for the end-to-end tests; skipped without tmux."""
    if shutil.which("tmux") is None:
        pytest.skip("needs tmux")
    from tests.terminal import Terminals

    opened = Terminals()
    yield opened
    opened.close()
