"""The incident domain: events, state and the rules that read it.

Pure Python: no I/O, no Textual, no HTTP. Everything here is a function of events and a time,
so the live cockpit, a replay and the postmortem report all compute the same answers.
"""
