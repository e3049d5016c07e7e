"""The cockpit's screens (Textual). Only the commands that open a screen import this package."""
