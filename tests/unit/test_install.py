"""A normal, non-editable ``pip install .`` gives a working ``cockpit`` with its bundled files."""

from __future__ import annotations

import json
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_non_editable_install_runs_from_bundled_config(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         str(ROOT)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    # dependencies come from the test environment; the checkout itself must not be importable
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    cockpit = venv / "bin" / "cockpit"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(cockpit), *args], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path)

    where = subprocess.run([str(python), "-c", "import cockpit.paths as p; print(p.bundled_config_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert where.startswith(str(venv)), where
    session = tmp_path / "s.toml"
    assert run("new", "--no-ui", "--title", "Installed", "--session", str(session)).returncode == 0
    assert run("log", str(session), "hello from an installed cockpit").returncode == 0
    status = json.loads(run("status", str(session), "--json").stdout)
    assert status["protocol"]["names"] == ["major-incident"] and status["counts"]["notes"] == 1
    validated = run("validate", f"{where}/cockpit.toml", f"{where}/protocols/data-loss.toml")
    assert validated.returncode == 0, validated.stderr
    themes = Path(where).parent / "themes"
    assert themes.is_dir()
