"""Times on screen other than the incident clock move by the minute once past their first, so an
idle screen redraws one line a second; time left never reads as less than there is."""

from __future__ import annotations

import pytest

from cockpit.domain.durations import to_the_minute


@pytest.mark.parametrize(("seconds", "gone", "left"), [
    (0, "0s", "0s"), (0.4, "0s", "1s"), (42, "42s", "42s"), (59.5, "59s", "1m"), (60, "1m", "1m"),
    (61, "1m", "2m"), (27 * 60 + 28, "27m", "28m"), (3600, "1h 00m", "1h 00m"),
    (3600 + 5 * 60 + 59, "1h 05m", "1h 06m"), (-5, "0s", "0s"),
])
def test_by_the_second_within_a_minute_then_by_the_minute(seconds, gone, left):
    assert to_the_minute(seconds) == gone
    assert to_the_minute(seconds, left=True) == left


def test_it_changes_once_a_minute_past_the_first():
    shown = {to_the_minute(s) for s in range(120, 180)} | {to_the_minute(s, left=True) for s in range(121, 181)}
    assert shown == {"2m", "3m"}
