"""The digest cache: one JSON file in the user's cache folder, one entry per session file.

Folding and reporting 200 sessions on every ``cockpit insights`` costs seconds; their digests,
cached, cost milliseconds. An entry is used only when the session file still has the same size,
the same ``mtime_ns`` and the same SHA-256 of its last 4 KB (an append changes the size, an edit
in place the time or the tail), and when the entry is a well-formed digest of the current
format; anything else, or a cache file that does not parse, is rebuilt from the session. The
cache never decides what a session says: at worst it costs a rebuild.

It lives in the user cache folder (``platformdirs``), not beside the sessions: reading sessions
never writes next to them. Written whole and atomically (a private file renamed over the old),
0600, never through a link; JSON only, so a planted cache can at worst mislead insight about
figures, never run code, and a cache file of another user or a link is not read at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from cockpit.files import UnsafeFile, check_own, make_folders, replace_private
from cockpit.paths import APP

TAIL = 4096
CACHE_FORMAT = 1
DIGEST_FORMAT = 1
"""Bumped whenever a digest's fields change (cockpit.insights.digest): cached digests of
another format are rebuilt."""
_DIGEST_KEYS = frozenset(("format", "path", "session", "drill", "declared_at", "severity", "engaged"))


def cache_path() -> Path:
    return Path(platformdirs.user_cache_dir(APP)) / "insights.json"


def fingerprint(path: Path) -> dict[str, Any] | None:
    """What an entry is keyed on: size, mtime_ns and the hash of the last 4 KB; None when the
    file cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        os.lseek(fd, max(info.st_size - TAIL, 0), os.SEEK_SET)
        tail = os.read(fd, TAIL)
    except OSError:
        return None
    finally:
        os.close(fd)
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns,
            "tail_sha256": hashlib.sha256(tail).hexdigest()}


class DigestCache:
    """Digests by session path, loaded from and saved to ``path``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_path()
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        self.hits = 0
        self.misses = 0

    def load(self) -> DigestCache:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return self
        try:
            check_own(fd, self.path, owners={os.geteuid()})
            with os.fdopen(fd, "rb", closefd=False) as stream:
                data = json.loads(stream.read())
        except (OSError, UnsafeFile, ValueError, UnicodeDecodeError):
            return self
        finally:
            os.close(fd)
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT \
                and isinstance(data.get("entries"), dict):
            self.entries = data["entries"]
        return self

    def get(self, path: Path, key: dict[str, Any] | None) -> dict[str, Any] | None:
        entry = self.entries.get(str(path))
        if key is not None and isinstance(entry, dict) and entry.get("key") == key:
            found = entry.get("digest")
            if isinstance(found, dict) and _DIGEST_KEYS <= found.keys() \
                    and found.get("format") == DIGEST_FORMAT and found.get("path") == str(path):
                self.hits += 1
                return found
        self.misses += 1
        return None

    def put(self, path: Path, key: dict[str, Any], digest: dict[str, Any]) -> None:
        self.entries[str(path)] = {"key": key, "digest": digest}
        self.changed = True

    def keep_only(self, paths: set[str]) -> None:
        """Forget sessions no longer there."""
        gone = [p for p in self.entries if p not in paths]
        for p in gone:
            del self.entries[p]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        """Write the cache when it changed; a cache that cannot be written only costs speed."""
        if not self.changed:
            return
        data = json.dumps({"format": CACHE_FORMAT, "entries": self.entries},
                          separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        try:
            make_folders(self.path.parent)
            replace_private(self.path, data)
        except OSError:
            return
        self.changed = False
