"""The parts of bench/terminal.py: a pseudo-terminal harness, the reference apps, the fleet
process, the session files and the appending peers. A folder of its own so that ``make bench``,
which runs every ``bench/*.py``, runs the bench and not its parts."""
