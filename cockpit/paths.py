"""Where things live: bundled defaults, the user's config and data folders, saved sessions."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from datetime import datetime
from pathlib import Path

import platformdirs

APP = "cockpit"


def bundled_dir() -> Path:
    """The folder holding ``config/`` and ``themes/``: inside the wheel, or the checkout's root."""
    packaged = Path(__file__).parent / "_bundled"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def bundled_config_dir() -> Path:
    return bundled_dir() / "config"


def bundled_themes_dir() -> Path:
    return bundled_dir() / "themes"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def sessions_dir() -> Path:
    return user_data_dir() / "sessions"


def slugify(title: str, limit: int = 40) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"


def new_session_path(title: str, now: datetime, folder: Path | None = None) -> Path:
    """``YYYY-MM-DD-HHMM-<title-slug>.toml`` in the sessions folder, never an existing name."""
    folder = folder or sessions_dir()
    stem = f"{now:%Y-%m-%d-%H%M}-{slugify(title)}"
    path = folder / f"{stem}.toml"
    counter = 2
    while path.exists():
        path = folder / f"{stem}-{counter}.toml"
        counter += 1
    return path


def saved_sessions() -> list[Path]:
    """Saved session files, newest first."""
    folder = sessions_dir()
    if not folder.is_dir():
        return []
    dated = []
    for file in folder.glob("*.toml"):
        try:  # a file removed or unreadable meanwhile is simply not listed
            info = file.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            dated.append((info.st_mtime, file.name, file))
    return [file for _, _, file in sorted(dated, reverse=True)]


def _title_part(stem: str) -> str:
    """``checkout-api`` of ``2026-11-27-0410-checkout-api``."""
    match = re.match(r"^\d{4}-\d{2}-\d{2}-\d{4}-(.*)$", stem)
    return match.group(1) if match else stem


class SessionNotFound(LookupError):
    pass


def resolve_session(spec: str) -> Path:
    """A session given as a path, or as an unambiguous prefix of a saved session's name."""
    if not spec.strip():
        raise SessionNotFound("no session given: name a session file or a prefix of a saved session's name")
    try:
        path = Path(os.path.expanduser(spec))
        if path.is_file():
            return path
        folder = path.is_dir()
    except (OSError, ValueError) as exc:  # a name too long for the system, a NUL byte
        reason = getattr(exc, "strerror", None) or "not a usable file name"
        raise SessionNotFound(f"no session file at {spec!r}: {reason}") from None
    if folder:
        raise SessionNotFound(f"{spec} is a folder, not a session file")
    if os.sep in spec or spec.endswith(".toml"):
        raise SessionNotFound(f"no session file at {spec}")
    slug = slugify(spec)
    matches = [p for p in saved_sessions()
               if p.name.startswith(spec) or _title_part(p.stem).startswith(slug)]
    exact = [p for p in matches if p.stem == spec]
    if exact:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SessionNotFound(
            f"no saved session starts with {spec!r} (looked in {sessions_dir()}); "
            "`cockpit sessions` lists them")
    names = ", ".join(p.stem for p in matches[:5])
    raise SessionNotFound(f"{spec!r} matches {len(matches)} sessions ({names}…); give more of the name")
