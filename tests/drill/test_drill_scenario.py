"""Scenario files: the bundled ones tell a whole story; broken ones get a clear message."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit import paths
from cockpit.drill.scenario import find_scenario, load_scenario
from cockpit.settings import ConfigError, Config, available, load_protocol

BUNDLED = sorted((paths.bundled_config_dir() / "scenarios").glob("*.toml"))


def test_the_four_bundled_scenarios_are_there():
    assert {p.stem for p in BUNDLED} == {"checkout-outage", "database-failover", "security-breach",
                                         "flapping-load-balancer"}


def test_every_bundled_scenario_passes_cockpit_validate():
    result = subprocess.run([sys.executable, "-m", "cockpit", "validate", *map(str, BUNDLED)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("valid scenario") == len(BUNDLED)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_tells_a_whole_story(path: Path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert 4 <= len(scenario.services) <= 7
    load_protocol(scenario.scenario.protocol, Config())  # the protocol it names exists
    failures = [p.at for s in scenario.services for p in s.phases if p.behaviour != "healthy"]
    assert min(failures) <= timedelta(minutes=2), "the first failure comes within 2 minutes"
    assert all(s.phases[-1].behaviour == "healthy" or s.phases[-1].behaviour == "down" and s.name == "db-primary"
               for s in scenario.services), "every service recovers (a dead primary is replaced)"
    last_change = max(s.phases[-1].at for s in scenario.services)
    assert last_change <= timedelta(minutes=20) and scenario.ends_at <= timedelta(minutes=20)
    assert len(scenario.injects) >= 5
    assert any(i.member or i.join for i in scenario.injects), "at least one roster change"


def test_bundled_scenario_people_are_in_the_bundled_roster():
    handles = {p.handle for p in load_model_config().people}
    for path in BUNDLED:
        for inject in load_scenario(path).injects:
            assert (inject.member or inject.join or "alice") in handles


def load_model_config() -> Config:
    from cockpit.settings import load_config

    return load_config()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


MINIMAL = """\
[scenario]
name = "mini"
title = "Mini"
incident_title = "Something broke"

[[services]]
name = "api"

[[services.phases]]
at = "0s"
behaviour = "healthy"
"""


def test_unknown_field_is_named_with_its_line(tmp_path):
    path = write(tmp_path, MINIMAL + 'latncy_ms = 300\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message and "line 12" in message
    assert "services[0].phases[0].latncy_ms: unknown field" in message


def test_unknown_behaviour_lists_the_known_ones(tmp_path):
    path = write(tmp_path, MINIMAL.replace('"healthy"', '"sleepy"'))
    with pytest.raises(ConfigError, match=r"behaviour.*'healthy'.*'wrong-body'"):
        load_scenario(path)


@pytest.mark.parametrize("extra, expected", [
    ('\n[[services.phases]]\nat = "0s"\nbehaviour = "down"\n', "phases must be in time order"),
    ('\n[[services.phases]]\nat = "1m"\nbehaviour = "healthy"\nstatus = 503\n',
     "status does not apply to a 'healthy' phase"),
    ('\n[[services.phases]]\nat = "1m"\nbehaviour = "partial"\n', "needs fail_ratio"),
    ('\n[[services.phases]]\nat = "1m"\nbehaviour = "erroring"\nstatus = 200\n',
     "greater than or equal to 400"),
    ('\n[[services.phases]]\nat = "soon"\nbehaviour = "down"\n', "'soon' is not a duration"),
    ('\n[[services]]\nname = "db"\ninterval = "10ms"\n[[services.phases]]\nat = "0s"\nbehaviour = "down"\n',
     "interval: must be at least 100ms"),
    ('\n[[injects]]\nat = "1m"\ntext = "bob leaves"\nmember = "bob"\n', "needs a status"),
    ('\n[[injects]]\nat = "1m"\ntext = "x"\nstatus = "off"\n', "status needs the person"),
    ('\n[[services]]\nname = "api"\n[[services.phases]]\nat = "0s"\nbehaviour = "down"\n',
     "api listed more than once"),
])
def test_mistakes_get_a_clear_message(tmp_path, extra, expected):
    with pytest.raises(ConfigError, match=expected):
        load_scenario(write(tmp_path, MINIMAL + extra))


def test_a_condition_that_does_not_parse_is_shown_with_a_caret(tmp_path):
    text = MINIMAL.replace('name = "api"\n', 'name = "api"\ndegraded_when = ["[RESPONSE_TIME] <> 300"]\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(write(tmp_path, text))
    assert "line 8, services[0].degraded_when:" in str(caught.value)
    assert "    [RESPONSE_TIME] <> 300\n" in str(caught.value) and str(caught.value).endswith("^")


def test_ends_at_before_the_last_moment_is_refused(tmp_path):
    text = MINIMAL.replace('incident_title', 'ends_at = "30s"\nincident_title') + (
        '\n[[injects]]\nat = "1m"\ntext = "late"\n')
    with pytest.raises(ConfigError, match=r"ends_at \(30s\) comes before the last scripted moment \(1m\)"):
        load_scenario(write(tmp_path, text))


def test_not_toml_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(write(tmp_path, "[scenario\n"))


def test_a_service_is_healthy_until_its_first_phase():
    scenario = load_scenario(paths.bundled_config_dir() / "scenarios" / "checkout-outage.toml")
    payments = next(s for s in scenario.services if s.name == "payments-api")
    assert payments.phase_at(10).behaviour == "healthy"
    assert payments.phase_at(45).behaviour == "partial"
    assert payments.phase_at(100).behaviour == "erroring"
    assert payments.phase_at(10_000).behaviour == "healthy"


def test_find_scenario_by_name_or_path_and_user_files_win(tmp_path):
    assert find_scenario("checkout-outage").name == "checkout-outage"
    mine = tmp_path / "mine.toml"
    mine.write_text(MINIMAL)
    assert find_scenario(str(mine)).name == "mini"
    user_dir = paths.user_config_dir() / "scenarios"
    user_dir.mkdir(parents=True)
    (user_dir / "checkout-outage.toml").write_text(MINIMAL)
    assert find_scenario("checkout-outage").name == "mini"
    assert "checkout-outage" in available("scenarios")


def test_unknown_scenario_name_lists_the_available_ones():
    with pytest.raises(ConfigError, match="no scenario named 'nope'; available: checkout-outage, "
                                          "database-failover, flapping-load-balancer, security-breach"):
        find_scenario("nope")
