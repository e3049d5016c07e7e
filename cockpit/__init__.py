"""Cockpit: a terminal incident cockpit.

The headless core (``cockpit.domain``, ``cockpit.journal``, ``cockpit.session``,
``cockpit.settings``) never imports Textual, so the commands that need no screen stay fast.
"""

__version__ = "0.1.0"
