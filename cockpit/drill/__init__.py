"""Drills: a scripted outage on a simulated fleet that the cockpit polls for real."""
