"""``cockpit insights``: figures across saved sessions, drills apart, one model in JSON, Markdown
and on screen, and a digest cache that is never trusted when a file changed under it."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from cockpit.cli import main
from cockpit.insights.cache import DigestCache, cache_path
from cockpit.insights.model import build, gather, median_p90, night_seconds
from cockpit.paths import saved_sessions, sessions_dir
from cockpit.tomlfmt import event_block

UTC = timezone.utc


NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _document(**kwargs):
    return build(gather(saved_sessions()), now=NOW, **kwargs)


def test_figures_across_incidents_keep_drills_apart(corpus):
    doc = _document()
    assert doc["sessions"]["incidents"] == 3 and doc["sessions"]["drills"] == 1
    assert doc["incidents_by_month"] == [
        {"month": "2026-09", "SEV1": 0, "SEV2": 1, "SEV3": 0, "SEV4": 0, "SEV5": 0},
        {"month": "2026-10", "SEV1": 1, "SEV2": 1, "SEV3": 0, "SEV4": 0, "SEV5": 0},  # not the drill
    ]
    sev2 = doc["times_by_severity"]["SEV2"]
    assert sev2["incidents"] == 2
    assert sev2["detect"] == {"n": 2, "median_s": 180.0, "p90_s": 240.0}  # impact → detected: 4 and 2 min
    assert sev2["mitigate"] == {"n": 2, "median_s": 1800.0, "p90_s": 2400.0}
    assert sev2["resolve"] == {"n": 2, "median_s": 2700.0, "p90_s": 3600.0}
    assert doc["times_by_severity"]["SEV1"]["detect"]["n"] == 0  # nothing says when its impact started
    assert [(s["id"], s["incidents"]) for s in doc["steps_late"]][:1] == [("open-bridge", 2)]
    assert [(s["id"], s["incidents"]) for s in doc["steps_skipped"]] == [("stop-changes", 2)]
    actions, carol = doc["open_actions"]  # the closed one is not open; the older first on a tie
    assert (carol["owner"], carol["open"]) == ("carol", 1)
    assert (actions["owner"], actions["open"]) == ("(unowned)", 1)
    assert actions["oldest_days"] == pytest.approx((NOW - datetime(2026, 9, 3, 14, 25, tzinfo=UTC)).days, abs=1)
    [drill] = doc["drills"]
    assert (drill["met"], drill["total"], drill["missed"]) == (1, 2, ["status monitoring within 5m"])


def test_hours_engaged_and_at_night_follow_the_configured_time_zone(corpus):
    utc = {r["handle"]: r for r in _document()["responders"]}
    # bob: 9.5 min, 59.5 min (23:00:30 → 23:30... until the resolution at 00:00) and 14.5 min
    assert utc["bob"]["incidents"] == 3
    assert utc["bob"]["engaged_h"] == pytest.approx((9.5 + 59.5 + 14.5) / 60, abs=0.01)
    assert utc["bob"]["night_h"] == pytest.approx(59.5 / 60, abs=0.01)  # only incident two is at night
    tokyo = {r["handle"]: r for r in _document(zone=ZoneInfo("Asia/Tokyo"))["responders"]}
    # 14:00 UTC is 23:00 in Tokyo: incident one is the night one there, two is 08:00 in the morning
    assert tokyo["bob"]["night_h"] == pytest.approx(9.5 / 60, abs=0.01)


def test_night_seconds_across_midnight_and_daylight_saving():
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 in Paris (summer time)
    assert night_seconds(start, start + timedelta(hours=10), paris) == 9 * 3600  # the clocks go back
    assert night_seconds(datetime(2026, 6, 1, 12, tzinfo=UTC), datetime(2026, 6, 1, 13, tzinfo=UTC),
                         ZoneInfo("UTC")) == 0


def test_median_and_nearest_rank_p90():
    assert median_p90([]) == {"n": 0, "median_s": None, "p90_s": None}
    assert median_p90([float(v) for v in range(1, 11)]) == {"n": 10, "median_s": 5.5, "p90_s": 9.0}
    assert median_p90([3.0]) == {"n": 1, "median_s": 3.0, "p90_s": 3.0}


def test_since_leaves_out_what_came_before(corpus):
    doc = _document(since=datetime(2026, 10, 1).date())
    assert doc["sessions"]["incidents"] == 2


def test_json_and_markdown_say_the_same_figures(corpus, capsys):
    assert main(["insights", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["times_by_severity"]["SEV2"]["resolve"]["median_s"] == 2700.0
    assert main(["insights"]) == 0
    text = capsys.readouterr().out
    assert "| SEV2 | 2 | 3m 00s / 4m 00s (n=2) | 30m 00s / 40m 00s (n=2) | 45m 00s / 1h 00m 00s (n=2) |" in text
    assert "| Open the incident channel and a voice bridge; post both links where responders look | 2 | 67% |" in text
    assert "3 incidents and 1 drills" in text and "| 2026-10-21 10:00 | checkout-outage | 1/2 |" in text


def test_bad_since_is_a_usage_error(capsys):
    assert main(["insights", "--since", "last tuesday"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_a_bad_time_zone_in_the_config_is_said(tmp_path, capsys):
    config = tmp_path / "cockpit.toml"
    config.write_text('[insights]\ntimezone = "Mars/Olympus"\n')
    assert main(["--config", str(config), "insights"]) == 2
    assert "insights.timezone: 'Mars/Olympus' is not a time zone" in capsys.readouterr().err


def test_an_unreadable_session_is_listed_not_fatal(corpus, capsys):
    (sessions_dir() / "broken.toml").write_bytes(b"\x00\x01 not toml [[[")
    assert main(["insights", "--format", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["sessions"]["incidents"] == 3
    assert "broken.toml" in captured.err or any("broken" in u["path"] for u in doc["sessions"]["unreadable"])


# -- the cache ------------------------------------------------------------------------------------


def test_the_cache_spares_unchanged_sessions_and_is_private(corpus):
    first = gather(saved_sessions())
    assert (first.cache_hits, first.cache_misses) == (0, 4)
    assert cache_path().stat().st_mode & 0o777 == 0o600
    second = gather(saved_sessions())
    assert (second.cache_hits, second.cache_misses) == (4, 0)
    assert build(second, now=NOW) == build(first, now=NOW)


def test_an_append_a_same_size_edit_and_a_swapped_file_are_all_rebuilt(corpus):
    gather(saved_sessions())
    one, two = corpus[0], corpus[1]
    # an append: the size changes
    with open(one, "ab") as stream:
        stream.write(event_block({"at": datetime(2026, 9, 3, 14, 26, tzinfo=UTC), "by": "carol",
                                  "kind": "note.added", "text": "fix the runbook", "tag": "action", "seq": 99}))
    # an edit in place that keeps the size and the modification time: the tail's hash tells
    info = two.stat()
    data = two.read_bytes()
    edited = data.replace(b'status = "resolved"', b'status = "monitor\x65d"'[:len(b'status = "resolved"')])
    assert len(edited) == len(data) and edited != data
    two.write_bytes(edited)
    os.utime(two, ns=(info.st_atime_ns, info.st_mtime_ns))
    again = gather(saved_sessions())
    assert again.cache_misses == 2 and again.cache_hits == 2
    doc = build(again, now=NOW)
    assert doc["open_actions"][0]["open"] == 2  # the appended action counts
    assert doc["times_by_severity"]["SEV2"]["resolve"]["n"] == 1  # two is no longer resolved


def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(corpus):
    gather(saved_sessions())
    cache_path().write_text("{not json")
    assert gather(saved_sessions()).cache_misses == 4
    planted = json.loads(cache_path().read_text())
    for entry in planted["entries"].values():
        entry["digest"]["severity"] = "SEV5"  # a digest whose key no longer matches its file
        entry["key"]["size"] += 1
    cache_path().write_text(json.dumps(planted))
    doc = build(gather(saved_sessions()), now=NOW)
    assert doc["incidents_by_severity"]["SEV5"] == 0
    target = cache_path().with_name("elsewhere.json")
    target.write_text(cache_path().read_text())
    cache_path().unlink()
    cache_path().symlink_to(target)
    loaded = DigestCache().load()
    assert loaded.entries == {}  # a link is never read through
