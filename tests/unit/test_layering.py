"""The headless core never imports the UI, and the cockpit's first frame never waits for the core:
both keep start-up fast."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "cockpit"
HEADLESS = [ROOT / "domain", ROOT / "journal.py", ROOT / "session.py", ROOT / "health",
            ROOT / "retro" / "report.py"]


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("cockpit.ui"):
                roots.add("cockpit.ui")
    return roots


def files(target: Path) -> list[Path]:
    return sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []


@pytest.mark.parametrize("target", HEADLESS, ids=lambda p: str(p.relative_to(ROOT)))
def test_headless_modules_never_import_textual(target):
    for path in files(target):
        roots = imported_roots(path)
        assert not roots & {"textual", "rich", "cockpit.ui"}, f"{path} imports {roots & {'textual', 'rich'}}"


def test_domain_does_no_io():
    for path in files(ROOT / "domain"):
        roots = imported_roots(path)
        assert not roots & {"httpx", "aiohttp", "os", "socket", "asyncio", "subprocess"}, path


FIRST_FRAME = """
import sys
from cockpit.cli import build_parser
from cockpit.ui.app import CockpitApp
from cockpit.ui.launch import open_app

open_app(build_parser().parse_args(["open", sys.argv[1]]))  # what cockpit open does first
HEAVY = ("pydantic", "httpx", "aiohttp", "cockpit.domain", "cockpit.session", "cockpit.settings",
         "cockpit.journal", "cockpit.seats", "cockpit.health", "cockpit.ui.incident")
loaded = []

def opener(app):  # runs once the first frame is painted
    loaded.extend(sorted(m for m in sys.modules if m.startswith(HEAVY)))
    raise RuntimeError("seen")

CockpitApp(opener=opener).run(headless=True, size=(160, 48))
print(" ".join(loaded) or "nothing heavy")
"""


def test_the_first_frame_of_cockpit_open_is_painted_before_the_core_is_imported(tmp_path):
    """``cockpit open`` draws its layout from Textual alone; the pydantic models, the session
    and the HTTP stack load after it is on screen (bench/ui.py measures what that saves)."""
    import subprocess
    import sys

    session = tmp_path / "incident.toml"
    session.write_text("")
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(session)], capture_output=True,
                         text=True, check=True, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
    assert out.stdout.strip() == "nothing heavy"
