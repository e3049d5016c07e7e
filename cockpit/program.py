"""Whether this process is the ``cockpit`` program itself (``cockpit.cli.run``).

Some work may outlive a command in the program's own process and nowhere else: a checkpoint is
written by a child process once the fold is done (``cockpit.checkpoint``), so that the command
answers without waiting for it. A library caller, a test calling ``cockpit.cli.main`` and a
process with threads do that work themselves, before the call returns.
"""

from __future__ import annotations

itself = False
"""True once ``cockpit.cli.run`` has started the command line in this process."""
