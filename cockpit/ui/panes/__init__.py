"""The six panes of the cockpit, plus the line-based list and the event words they share."""
