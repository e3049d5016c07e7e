"""The retrospective: replay a saved session at any moment, and draft its postmortem report."""
