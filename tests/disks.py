"""Disks that really fill up, for the tests of what the cockpit does when a write is refused."""

from __future__ import annotations

from pathlib import Path


def fill(folder: Path) -> Path:
    """Write zeros into ``folder`` (a small tmpfs, the ``small_disk`` fixture) until the disk
    refuses; the filler file is returned so a test can free the space again."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler
