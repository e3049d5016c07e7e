"""The layers hold: the domain is pure, the headless core never imports the UI, the command line
is the top, and there are no import cycles (the import-linter contracts in pyproject.toml,
explained in docs/architecture.md); and the cockpit's first frame never waits for the core. Both
keep start-up fast."""

from __future__ import annotations

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
ROOT = REPO / "cockpit"
HEADLESS = [ROOT / "domain", ROOT / "journal.py", ROOT / "session.py", ROOT / "health",
            ROOT / "retro" / "report.py"]
ABOVE_THE_CORE = {"cli", "ui", "__main__"}
"""The only top-level modules allowed to import Textual or the command line."""


def _lint_imports() -> str | None:
    beside = Path(sys.executable).with_name("lint-imports")
    return str(beside) if beside.exists() else shutil.which("lint-imports")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_the_import_contracts_hold():
    """``lint-imports`` with the contracts of pyproject.toml, as .ci/run runs it."""
    tool = _lint_imports()
    if tool is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    out = subprocess.run([tool, "--no-cache", "--no-logo"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_module_outside_the_ui_is_held_to_the_headless_contract():
    """A new module of the core must be added to the contract, or nothing would check it."""
    listed = {name.removeprefix("cockpit.") for name in _contracts()["headless-core"]["source_modules"]}
    present = {m.name for m in pkgutil.iter_modules([str(ROOT)])} - ABOVE_THE_CORE
    assert present - listed == set(), "add them to the headless-core contract in pyproject.toml"
    assert listed - present == set(), "listed in the headless-core contract but gone"


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
    """The same promise as the contracts, checked without import-linter."""
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
    session = tmp_path / "incident.toml"
    session.write_text("")
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(session)], capture_output=True,
                         text=True, check=True, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
    assert out.stdout.strip() == "nothing heavy"
