"""The errors people see, and the exit code each one means (docs/command-line.md).

Core code raises these; only ``cockpit.cli`` turns them into a message and an exit code, so no
module of the core ever imports the command line.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class CockpitError(Exception):
    """An error whose message is written for people: shown as it is, never as a traceback."""

    exit_code = EXIT_FAILURE


class UsageError(CockpitError):
    """Bad usage or invalid input: exit code 2."""

    exit_code = EXIT_USAGE


class RuntimeFailure(CockpitError):
    """The command was right but could not be carried out: exit code 1."""

    exit_code = EXIT_FAILURE
