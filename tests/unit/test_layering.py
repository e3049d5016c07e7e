"""The headless core never imports the UI: the commands without a screen stay fast."""

from __future__ import annotations

import ast
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
