"""Config files: discovery order, durations, and errors people can act on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit import paths
from cockpit.domain.durations import format_duration, parse_duration
from cockpit.settings import ConfigError, find_config, load_config, load_protocol


@pytest.mark.parametrize(("text", "seconds"), [
    ("500ms", 0.5), ("5s", 5), ("20m", 1200), ("3h", 10800), ("1h30m", 5400), ("100ms", 0.1), (7, 7),
])
def test_durations(text, seconds):
    value = parse_duration(text)
    assert value == timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("bad", ["", "5", "five minutes", "5x", "-5s", True])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError, match="duration|negative"):
        parse_duration(bad)


def test_discovery_order(tmp_path, monkeypatch):
    bundled = find_config()
    assert bundled == paths.bundled_config_dir() / "cockpit.toml"
    user = paths.user_config_dir() / "cockpit.toml"
    user.parent.mkdir(parents=True)
    user.write_text("")
    assert find_config() == user
    local = tmp_path / "cockpit.toml"
    local.write_text("")
    assert find_config() == local
    env = tmp_path / "env.toml"
    env.write_text("")
    monkeypatch.setenv("COCKPIT_CONFIG", str(env))
    assert find_config() == env
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("")
    assert find_config(explicit) == explicit
    with pytest.raises(ConfigError, match="--config"):
        find_config(tmp_path / "missing.toml")


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cockpit.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_wrong_type_names_file_line_field_and_expectation(tmp_path):
    message = _error(tmp_path, '[incident]\ndefault_protocol = "x"\n\n[[endpoints]]\nname = "a"\n'
                               'url = "http://127.0.0.1:1/"\ninterval = "soon"\n')
    assert "cockpit.toml" in message
    assert "line 7, endpoints[0].interval" in message
    assert "not a duration" in message


def test_unknown_field_is_pointed_at(tmp_path):
    message = _error(tmp_path, '[[people]]\nhandle = "a"\n\n[[people]]\nhandle = "b"\nrole = ["ops"]\n')
    assert "line 6, people[1].role: unknown field" in message


def test_broken_toml_gives_its_line(tmp_path):
    message = _error(tmp_path, '[incident]\ndefault_protocol = "major-incident\n')
    assert "not valid TOML" in message and "line 2" in message


def test_inline_secret_is_refused(tmp_path):
    message = _error(tmp_path, '[[endpoints]]\nname = "a"\nurl = "http://127.0.0.1:1/"\n'
                               'headers = { Authorization = "Bearer abc" }\n')
    assert "env:NAME" in message and "Bearer abc" not in message


def test_interval_floor(tmp_path):
    message = _error(tmp_path, '[[endpoints]]\nname = "a"\nurl = "http://127.0.0.1:1/"\ninterval = "50ms"\n')
    assert "at least 100ms" in message


def test_bundled_protocols_load():
    for name in ("major-incident", "security-breach", "server-failure", "data-loss"):
        protocol = load_protocol(name)
        assert protocol.name == name and len(protocol.steps) >= 8
        assert all(step.text[0].isupper() for step in protocol.steps)
    with pytest.raises(ConfigError, match="available: data-loss, major-incident"):
        load_protocol("nope")


def test_nested_tables_point_at_the_right_repeat(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('name = "p"\ntitle = "P"\n\n[[steps]]\nid = "a"\ntext = "A"\n\n'
                    '[[steps]]\nid = "b"\ntext = "B"\ndue = "later"\n')
    from cockpit.settings import ProtocolFile, load_model

    with pytest.raises(ConfigError) as info:
        load_model(path, ProtocolFile)
    assert "line 11, steps[1].due" in str(info.value)
    assert "Value error" not in str(info.value)


def test_a_session_records_enough_to_poll_its_endpoints_without_secrets(tmp_path):
    from cockpit.domain.events import EndpointRef
    from cockpit.settings import EndpointConfig, recorded_endpoints

    endpoint = EndpointConfig(name="pay", url="http://127.0.0.1:9/healthz", interval="2s",
                              conditions=["[STATUS] == 200", "[BODY].status == ok"],
                              headers={"Authorization": "env:PAY_TOKEN", "X-Trace": "literal-value"},
                              down_after=5)
    ref = endpoint.reference()
    assert "literal-value" not in ref.model_dump_json()
    again = recorded_endpoints([EndpointRef.model_validate(ref.model_dump()),
                                EndpointRef(name="broken", url="ftp://nowhere")])
    assert len(again) == 1
    rebuilt = again[0]
    assert (rebuilt.conditions, rebuilt.interval, rebuilt.down_after) == (
        endpoint.conditions, endpoint.interval, 5)
    assert rebuilt.headers == {"Authorization": "env:PAY_TOKEN"}
