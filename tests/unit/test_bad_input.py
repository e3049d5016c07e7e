"""Bad input on the config and command-line side: one clear message, exit 2, never a traceback.

Each message names the file, the line where it can be found, the field path and what was
expected; absurd numbers (durations of millions of days, nan, inf, ports past 65535) are refused
where they are read, before anything is started or written.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.domain.durations import parse_duration

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = '[[endpoints]]\nname = "a"\nurl = "http://127.0.0.1:9/"\n'


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    assert "This is a bug" not in err and "Traceback" not in err, err
    return code, out, err


def validate(capsys, tmp_path: Path, content: str | bytes, name: str = "cockpit.toml") -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run(capsys, "validate", str(path))
    return code, out + err


# -- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["99999999999d", "9" * 400 + "s", "36501d", float("inf"), float("nan"), -1,
                                 10 ** 400, 1e300, "-5s", "nan", "inf", "", "5", True, None, [1]])
def test_absurd_durations_are_refused_with_what_is_expected(bad):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_the_longest_duration_is_a_hundred_years():
    assert parse_duration("36500d") == timedelta(days=36500)
    assert parse_duration("0s") == timedelta(0)  # zero is a duration; fields that need more say so


# -- config files --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (ENDPOINT + 'interval = "99999999999d"\n', "line 4, endpoints[0].interval: a duration cannot be longer"),
    (ENDPOINT + 'interval = "2d"\n', "line 4, endpoints[0].interval: must be at most 24h"),
    (ENDPOINT + 'interval = "0s"\n', "endpoints[0].interval: must be at least 100ms"),
    (ENDPOINT + 'timeout = "0s"\n', "line 4, endpoints[0].timeout: must be at least 1ms"),
    (ENDPOINT + 'timeout = "1h"\n', "endpoints[0].timeout: must be at most 10m"),
    (ENDPOINT + "timeout = inf\n", "endpoints[0].timeout: a duration cannot be longer"),
    (ENDPOINT + "timeout = nan\n", "endpoints[0].timeout: expected a duration"),
    (ENDPOINT + "interval = -5\n", "endpoints[0].interval: a duration cannot be negative"),
    (ENDPOINT + 'stale_after = "0s"\n', "endpoints[0].stale_after: must be at least 100ms"),
    (ENDPOINT + 'flap_window = "0s"\n', "endpoints[0].flap_window: must be at least 1s"),
    (ENDPOINT + "body_limit = 100000000000000000000\n", "endpoints[0].body_limit: Input should be less"),
    (ENDPOINT + "window = 100000000000000000000\n", "endpoints[0].window: Input should be less"),
    (ENDPOINT + "degraded_ratio = nan\n", "endpoints[0].degraded_ratio"),
    (ENDPOINT + 'headers = { "X-Bad" = "a\\nb" }\n', "endpoints[0].headers: header X-Bad: a value cannot hold"),
    (ENDPOINT + 'headers = { "Bad Name" = "x" }\n', "is not an HTTP header name"),
    ('[updates]\ninternal_every = "0s"\n', "line 2, updates.internal_every: must be at least 1m"),
    ("[incident]\nbogus = 1\n", "line 2, incident.bogus: unknown field"),
    ("[[people]]\nhandle = 3\n", "line 2, people[0].handle: Input should be a valid string (got 3)"),
    ('source = "/etc"\n', "line 1, source: unknown field"),
    ('"\\u001b[31mred" = 1\n', '"\\u001B[31mred": unknown field'),
])
def test_config_mistakes_name_the_line_the_field_and_the_expectation(capsys, tmp_path, text, expected):
    code, said = validate(capsys, tmp_path, text)
    assert code == 2
    assert "cockpit.toml" in said and expected in said, said
    assert "\x1b" not in said


def test_many_mistakes_are_counted_not_all_listed(capsys, tmp_path):
    code, said = validate(capsys, tmp_path, "".join(f"[[people]]\nhandle = {i}\n" for i in range(50)))
    assert code == 2 and "50 problems" in said and "… and 30 more" in said


@pytest.mark.parametrize(("content", "expected"), [
    (b'[incident]\ndefault_protocol = "\xff"\n', "not UTF-8 text: byte 0xff at line 2, column 21 (byte offset 31)"),
    (b'[incident]\ndefault_protocol = "a\x00"\n', "not valid TOML: Illegal character"),
    (b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n", "line 1: arrays or tables nested more than 100 deep"),
    (b"\n\nx = " + b"{ a = " * 100_000 + b"1" + b" }" * 100_000, "line 3: arrays or tables nested more than 100"),
    (b"[incident]\ndefault_protocol = [[[[[\n", "not valid TOML"),
])
def test_unreadable_config_files_say_where(capsys, tmp_path, content, expected):
    code, said = validate(capsys, tmp_path, content)
    assert code == 2 and expected in said, said


@pytest.mark.parametrize("content", [
    b"# only a comment\n[incident]\n",  # every setting has its default
    b"\xef\xbb\xbf[incident]\ndefault_severity = \"SEV1\"\n",  # a byte-order mark from a Windows editor
    b'[[people]]\nhandle = "alice"\nname = "' + b"[" * 3000 + b'"  # ' + b"{" * 3000 + b"\n",  # brackets in text
    b"[roles]\ncommander = '''" + b"[" * 3000 + b"'''\n",
])
def test_files_that_only_look_deep_or_odd_are_valid(capsys, tmp_path, content):
    code, said = validate(capsys, tmp_path, content)
    assert code == 0, said


def test_a_protocol_cadence_of_zero_is_refused(capsys, tmp_path):
    text = (ROOT / "config" / "protocols" / "major-incident.toml").read_text().replace('every = "20m"', 'every = "0s"')
    code, said = validate(capsys, tmp_path, text, name="p.toml")
    assert code == 2 and "every must be at least 1m" in said, said


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('at = "1m40s"', 'at = "99999999999d"', "a duration cannot be longer"),
    ('latency_ms = 1200', "latency_ms = 100000000000000000000", "latency_ms"),
    ('name = "storefront"\n', 'name = "storefront"\ntimeout = "1h"\n', "services[0].timeout: must be at most 10m"),
    ('name = "storefront"\n', 'name = "storefront"\ninterval = "0s"\n', "services[0].interval: must be at least"),
])
def test_scenario_mistakes_are_found_before_a_drill_starts(capsys, tmp_path, old, new, expected):
    text = (ROOT / "config" / "scenarios" / "checkout-outage.toml").read_text()
    assert old in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, new, 1))
    code, said = validate(capsys, tmp_path, path.read_bytes(), name="s.toml")
    assert code == 2 and expected in said, said
    code, _, err = run(capsys, "drill", str(path), "--no-ui", "--duration", "1", "--session", str(tmp_path / "d.toml"))
    assert code == 2 and expected in err and not (tmp_path / "d.toml").exists()


def test_a_bad_config_stops_new_before_anything_is_written(capsys, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(ENDPOINT + 'timeout = "0s"\n')
    session = tmp_path / "s.toml"
    code, _, err = run(capsys, "--config", str(config), "new", "--no-ui", "--title", "x", "--session", str(session))
    assert code == 2 and "endpoints[0].timeout" in err and not session.exists()


@pytest.mark.parametrize("target", ["folder", "missing"])
def test_validate_names_what_is_not_a_file(capsys, tmp_path, target):
    path = tmp_path / target
    if target == "folder":
        path.mkdir()
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and ("not a regular file" if target == "folder" else "no such file") in err


# -- numeric options -----------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "option"), [
    (["drill", "--speed", "nan"], "--speed"), (["drill", "--speed", "inf"], "--speed"),
    (["drill", "--speed", "-inf"], "--speed"), (["drill", "--speed", "1e400"], "--speed"),
    (["drill", "--speed", "0"], "--speed"), (["drill", "--speed", "-2"], "--speed"),
    (["drill", "--speed", "0.0001"], "--speed"), (["drill", "--speed", "100000"], "--speed"),
    (["drill", "--speed", "fast"], "--speed"),
    (["drill", "--no-ui", "--duration", "nan"], "--duration"), (["drill", "--no-ui", "--duration", "inf"], "--duration"),
    (["drill", "--no-ui", "--duration", "0"], "--duration"), (["drill", "--no-ui", "--duration", "1e12"], "--duration"),
    (["probe", "--duration", "nan"], "--duration"), (["probe", "--duration", "inf"], "--duration"),
    (["probe", "--duration", "-1"], "--duration"), (["probe", "--duration", "99999999999"], "--duration"),
    (["web", "x", "--port", "0"], "--port"), (["web", "x", "--port", "65536"], "--port"),
    (["web", "x", "--port", "-1"], "--port"), (["web", "x", "--port", "99999999999999999999"], "--port"),
    (["web", "x", "--port", "http"], "--port"), (["web", "x", "--port", "80.5"], "--port"),
])
def test_numeric_options_refuse_nan_inf_and_absurd_values(capsys, argv, option):
    code, _, err = run(capsys, *argv)
    assert code == 2 and option in err, err


def test_names_the_system_cannot_use_are_bad_input(capsys, tmp_path):
    long = "a" * 5000
    for argv in (["--config", long, "sessions"], ["status", long], ["status", ""], ["status", str(tmp_path)],
                 ["report", long], ["log", long, "x"], ["validate", long]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.strip(), (argv, err)


# -- the parsers themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["array", "table", "dotted"])
def test_rtoml_refuses_deep_nesting_without_crashing_the_process(kind):
    """rtoml stops at about 80 levels with TomlParsingError, at any depth, instead of overflowing
    the stack; tomllib (pure Python) raises RecursionError from about 500, which read_toml's
    pre-scan never lets it reach."""
    nested = {"array": "'x = ' + '[' * 100000 + ']' * 100000",
              "table": "'x = ' + '{a = ' * 100000 + '1' + '}' * 100000",
              "dotted": "'.'.join(['a'] * 100000) + ' = 1'"}[kind]
    code = ("import rtoml\ntry:\n    rtoml.loads(" + nested + ")\nexcept rtoml.TomlParsingError:\n"
            "    print('refused')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "refused", done.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "the file holds no settings"),
    (b"# nothing but a comment\n", "the file holds no settings"),
    (b'[incident]\ndefault_protocol = "major-incdent"\n', "no protocol named 'major-incdent'; available: "),
    (b'[ui]\ntheme = "hi-contrast"\n', "no theme named 'hi-contrast'; available: calm, "),
    (b'[[endpoints]]\nname = "a"\nurl = "http://x/"\ntimeout = "0s"\n', "timeout: must be at least 1ms"),
    (b'[[endpoints]]\nname = "a"\nurl = "tcp://db:70000"\n', "port 70000 is out of range (1–65535)"),
    (b'[[endpoints]]\nname = "a"\nurl = "http://x/a b"\n', "a URL cannot hold spaces"),
    (b'[[endpoints]]\nname = "a"\nurl = "gopher://x/"\n', "not a URL the cockpit can check"),
])
def test_what_would_fail_later_is_said_by_validate_now(capsys, tmp_path, content, expected):
    code, said = validate(capsys, tmp_path, content)
    assert code == 2 and expected in said, said
