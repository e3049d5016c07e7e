"""``python -m cockpit`` runs the command line."""

from cockpit.cli import run

run()
