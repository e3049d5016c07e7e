"""Whatever bytes reach the command line, it answers with an exit code and a sentence.

Session files are mutations of a session the real program wrote (``new`` and ``record``): byte
flips, inserted bytes and lines, truncations, duplicated, reordered and renamed tables, random
values for ``at``, ``seq``, ``kind`` and other fields, deep nesting, CRLF. Config, protocol and
scenario files are mutations of the bundled ones. Each is run through the real entry point
(``cockpit.cli.main``) in-process, and a few through real processes, and must:

- exit 0, 1 or 2, never print "This is a bug" or a traceback;
- leave the session file and its folder byte-identical for the commands that only read
  (``status``, ``report``, ``validate``, ``sessions``);
- lose nothing when recording (``log``, ``record``): the file only grows, or a torn tail is set
  aside byte for byte in a side file before the new event is appended.

The example counts keep the file well under a minute on two cores; hypothesis runs derandomized
and without a database, so CI sees the same examples every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from cockpit import paths
from cockpit.cli import main
from cockpit.tomlfmt import toml_string

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
BUNDLED_CONFIG = ROOT / "config" / "cockpit.toml"

EXPLORE = int(os.environ.get("COCKPIT_FUZZ_EXAMPLES", "0"))
"""Set it (say to 5000) for a long, randomized hunt; CI runs the fixed, derandomized examples."""


def fuzz(examples: int) -> settings:
    return settings(max_examples=EXPLORE or examples, derandomize=not EXPLORE, database=None, deadline=None,
                    print_blob=False, suppress_health_check=list(HealthCheck))


READ_ONLY = (("status", "{f}"), ("status", "{f}", "--json"), ("report", "{f}"),
             ("report", "{f}", "--format", "json"), ("validate", "{f}"), ("sessions", "--json"))
RECORDING = (("log", "{f}", "fuzzed note"),
             ("record", "{f}", "status.changed", "status=monitoring", "--as", "bob"))


# -- running the real entry point ----------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``cockpit ARGV`` in this process: exit code, stdout, stderr. A Python warning counts as
    stderr, since a real process prints it there (a path into site-packages, for people)."""
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own exits
            code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    shown = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    err += "".join(f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n" for w in shown)
    return code, out, err


def assert_answered(argv: tuple[str, ...], code: int, out: str, err: str) -> None:
    said = f"cockpit {' '.join(argv)} -> {code}\nstderr: {err[-2000:]}"
    assert code in (0, 1, 2), said
    assert "This is a bug" not in err, said
    assert "Traceback" not in err and "Traceback" not in out, said
    assert "Warning: " not in err, said  # Python's warnings are not messages for people
    if code:
        assert err.strip(), said  # a failure always says why


def strict_json(argv: tuple[str, ...], out: str) -> None:
    """What a JSON option prints parses as JSON: no NaN or Infinity, which JSON has not."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"cockpit {' '.join(argv)} printed {constant}, which is not JSON")

    json.loads(out, parse_constant=refuse)


def folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
            for p in sorted(folder.iterdir())}


def check_session_bytes(capsys: pytest.CaptureFixture[str], data: bytes, work: Path, *,
                        read_only: tuple[tuple[str, ...], ...] = READ_ONLY,
                        recording: tuple[tuple[str, ...], ...] = RECORDING) -> None:
    """Commands on a session file holding ``data``: answered, read-only ones change nothing,
    recording ones lose nothing."""
    folder = paths.sessions_dir()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    session = folder / "fuzzed.toml"
    session.write_bytes(data)
    for argv in read_only:
        before = folder_digest(folder)
        args = tuple(a.format(f=session) for a in argv)
        code, out, err = run(capsys, *args)
        if code == 0 and ("--json" in argv or "json" in argv):
            strict_json(args, out)
        if argv[0] in ("status", "validate") and len(argv) == 2 and currently_in_test_context():
            event(f"{argv[0]} -> {code}{' with a warning' if 'warning' in err or 'note' in err else ''}")
        assert_answered(args, code, out, err)
        assert folder_digest(folder) == before, f"cockpit {' '.join(args)} changed the session folder"
    for argv in recording:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        target = work / "fuzzed.toml"
        target.write_bytes(data)
        args = tuple(a.format(f=target) for a in argv)
        code, out, err = run(capsys, *args)
        assert_answered(args, code, out, err)
        after = target.read_bytes()
        if after.startswith(data):
            continue
        torn = [p.read_bytes() for p in work.iterdir() if ".torn" in p.name]
        assert any(data.endswith(t) and after.startswith(data[: len(data) - len(t)]) for t in torn), (
            f"cockpit {' '.join(args)} -> {code} lost bytes: the file no longer starts with what it held"
            f" and no torn side file holds the rest\nstderr: {err[-2000:]}")


# -- the session the real program writes ---------------------------------------------------------

_BASE: dict[str, bytes] = {}


def base_session(capsys: pytest.CaptureFixture[str], folder: Path) -> bytes:
    """A session made by ``cockpit new`` and ``cockpit record``, at fixed times (so the same bytes
    every run)."""
    if "session" in _BASE:
        return _BASE["session"]
    folder.mkdir(parents=True, exist_ok=True)
    path = str(folder / "base.toml")
    config = ("--config", str(BUNDLED_CONFIG))
    steps = [
        ("new", "--no-ui", "--title", "Checkout API returning 500s", "--severity", "SEV2",
         "--session", path, "--at", "2026-11-27T04:10:00Z", "--as", "alice"),
        ("record", path, "note.added", "text=rolled back deploy 3", "tag=decision", "--at", "T+02:00"),
        ("record", path, "severity.changed", "severity=SEV1", "reason=most users", "--at", "T+05:00"),
        ("record", path, "role.assigned", "role=commander", "handle=alice", "--at", "T+06:00"),
        ("record", path, "step.done", "step=open-bridge", "--at", "T+07:00"),
        ("record", path, "impact.assessed", "field=users_affected", "value=most", "--at", "T+08:00"),
        ("record", path, "health.changed", "endpoint=payments-api", "from=up", "to=down",
         "detail=timeout after 2.0s", "--at", "T+09:00"),
        ("record", path, "update.posted", "text=We are on it", "audience=external", "--at", "T+10:00"),
        ("record", path, "ask.started", "handle=bob", "task=check the replica lag", "minutes=15",
         "--at", "T+11:00"),
        ("record", path, "status.changed", "status=monitoring", "--at", "T+20:00"),
        ("record", path, "status.changed", "status=resolved", "--at", "T+30:00"),
    ]
    for argv in steps:
        if argv[0] == "record":
            argv = (*argv, "--as", "alice")
        code, _, err = run(capsys, *config, *argv)
        assert code == 0, (argv, err)
    _BASE["session"] = Path(path).read_bytes()
    return _BASE["session"]


# -- mutations -----------------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"^[ \t]*\[", re.MULTILINE)


def tables(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each table, by the lines that open one (good enough to mutate by)."""
    starts = [m.start() for m in _HEADER_LINE.finditer(data)] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    return list(zip(starts, [*starts[1:], len(data)]))


def deep(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return "{ a = " * depth + "1" + " }" * depth


def apply(data: bytes, mutation: tuple) -> bytes:
    kind, *args = mutation
    size = max(len(data), 1)
    if kind == "flip":
        pos, mask = args
        pos %= size
        return data[:pos] + bytes([data[pos] ^ mask]) + data[pos + 1:] if data else data
    if kind == "insert_bytes":
        pos, blob = args
        pos %= size + 1
        return data[:pos] + blob + data[pos:]
    if kind == "truncate":
        return data[: args[0] % size]
    lines = data.split(b"\n")
    if kind == "insert_line":
        index, line = args
        lines.insert(index % (len(lines) + 1), line.encode("utf-8", "surrogatepass"))
        return b"\n".join(lines)
    if kind == "delete_line":
        del lines[args[0] % len(lines)]
        return b"\n".join(lines)
    if kind == "crlf":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    spans = tables(data)
    if kind == "duplicate_table":
        source, dest = args
        a, b = spans[source % len(spans)]
        at = spans[dest % len(spans)][0] if dest % (len(spans) + 1) < len(spans) else len(data)
        return data[:at] + data[a:b] + data[at:]
    if kind == "swap_tables":
        i, j = sorted((args[0] % len(spans), args[1] % len(spans)))
        if i == j:
            return data
        (a, b), (c, d) = spans[i], spans[j]
        return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
    if kind == "rename_table":
        index, header = args
        a, b = spans[index % len(spans)]
        block = data[a:b]
        first = block.find(b"\n")
        if first < 0 or not block.lstrip().startswith(b"["):
            return data
        return data[:a] + header.encode() + block[first:] + data[b:]
    if kind in ("set_value", "drop_key"):
        index, key = args[0], args[1]
        a, b = spans[index % len(spans)]
        block = data[a:b]
        pattern = re.compile(rb"^" + re.escape(key.encode()) + rb"[ \t]*=[^\n]*$", re.MULTILINE)
        if kind == "drop_key":
            block = pattern.sub(b"", block, count=1)
        else:
            line = f"{key} = {args[2]}".encode("utf-8", "surrogatepass")
            if pattern.search(block):
                block = pattern.sub(lambda _: line, block, count=1)
            else:
                first = block.find(b"\n") + 1 if block.lstrip().startswith(b"[") else 0
                block = block[:first] + line + b"\n" + block[first:]
        return data[:a] + block + data[b:]
    raise AssertionError(kind)


_datetimes = st.datetimes(allow_imaginary=False).map(lambda d: d.isoformat())
toml_values = st.one_of(
    st.sampled_from([
        "2026-11-27T04:10:00.120Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z", "2026-11-27T04:10:00", "2026-11-27", "04:10:00", "2026-11-27T04:10:00+14:00",
        '"yesterday"', '""', '"SEV9"', '"SEV1"', '"note.added"', '"incident.declared"', '"session.configured"',
        '"status.changed"', '"x.y"', "0", "-1", "1", "2", "99999999999999999999", "9223372036854775807",
        "-9223372036854775808", "nan", "inf", "-inf", "1e400", "1e+20", "0.0", "-0.0", "1e-300", "true", "false", "[]", "{}", "[1, \"a\"]",
        "{ a = 1 }", '"unterminated', "'literal'", '"""multi\nline"""', "= =", "", '"\\u001b[2J"',
        '"\\u202e"', '"99999999999d"', '"0s"', '"-5s"',
    ]),
    st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1).map(str),
    st.floats().map(repr),
    st.text(max_size=30).map(toml_string),
    _datetimes,
    _datetimes.map(lambda d: d + "Z"),
    st.tuples(st.integers(50, 2000), st.sampled_from(["array", "table"])).map(lambda t: deep(*t)),
)
interesting_lines = st.one_of(
    st.sampled_from([
        "[[events]]", "[events]", "[cockpit]", "[[cockpit]]", "[events.extra]", "[[events.sub]]", "[other]",
        "seq = 99", "seq = 1", 'at = "yesterday"', "at = 2026-11-27T04:10:00Z", "kind = 5", 'kind = "note.added"',
        "format = 2", "}}}}", "{{{{", '"""', "'''", "# a comment", "", "\x00", "\ufeff", "\r", "\t\t\t",
        "a.b.c.d.e = 1", "x = " + deep(2000, "array"), "y = " + deep(500, "table"),
        ".".join(["k"] * 300) + " = 1",
    ]),
    st.text(max_size=40),
    st.tuples(st.sampled_from(["at", "seq", "kind", "by", "text", "title", "severity", "status"]),
              toml_values).map(lambda kv: f"{kv[0]} = {kv[1]}"),
)
positions = st.integers(min_value=0, max_value=1 << 20)
byte_mutations = st.one_of(
    st.tuples(st.just("flip"), positions, st.integers(1, 255)),
    st.tuples(st.just("insert_bytes"), positions,
              st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\r\n"]))),
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("insert_line"), positions, interesting_lines),
    st.tuples(st.just("delete_line"), positions),
    st.just(("crlf",)),
    st.tuples(st.just("duplicate_table"), positions, positions),
    st.tuples(st.just("swap_tables"), positions, positions),
)
session_keys = st.sampled_from(["at", "seq", "kind", "by", "title", "severity", "status", "text", "tag", "step",
                                "role", "handle", "format", "created", "session", "drill", "protocol", "steps",
                                "people", "endpoints", "from", "to", "audience", "id", "minutes", "ask", "update",
                                "action", "next_update_at", "about", "field", "value", "moment", "reason",
                                "detail", "evidence", "due", "task"])
session_mutations = st.one_of(
    byte_mutations,
    st.tuples(st.just("rename_table"), positions,
              st.sampled_from(["[events]", "[[event]]", "[cockpit]", "[[cockpit]]", "[events.x]",
                               "[[events.sub]]", "[ [events] ]", "[[ events ]] # spaced"])),
    st.tuples(st.just("set_value"), positions, session_keys, toml_values),
    st.tuples(st.just("drop_key"), positions, session_keys),
)


@fuzz(140)
@given(mutations=st.lists(session_mutations, min_size=1, max_size=3))
def test_mutated_sessions_are_answered_and_never_changed_by_reading(mutations, capsys, tmp_path):
    data = base_session(capsys, tmp_path / "base")
    for mutation in mutations:
        data = apply(data, mutation)
    check_session_bytes(capsys, data, tmp_path / "write")


_FIELD_LINE = re.compile(rb"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=")


@fuzz(120)
@given(data=st.data())
def test_any_value_in_any_field_of_a_real_session(data, capsys, tmp_path):
    """The values the program itself wrote, each replaced by anything TOML can hold: wrong types,
    times out of range, huge, negative, NaN and infinite numbers, deep nesting."""
    lines = base_session(capsys, tmp_path / "base").split(b"\n")
    fields = [i for i, line in enumerate(lines) if _FIELD_LINE.match(line)]
    for index, value in data.draw(st.lists(st.tuples(st.sampled_from(fields), toml_values), min_size=1, max_size=2)):
        key = _FIELD_LINE.match(lines[index]).group(1)
        lines[index] = key + b" = " + value.encode("utf-8", "surrogatepass")
    check_session_bytes(capsys, b"\n".join(lines), tmp_path / "write",
                        read_only=(("status", "{f}", "--json"), ("report", "{f}", "--format", "json"),
                                   ("validate", "{f}")), recording=())


@pytest.mark.parametrize("case", sorted(CASES.glob("*.toml")), ids=lambda p: p.stem)
def test_reproducers_are_answered(case, capsys, tmp_path):
    """The hand-made damaged sessions of tests/fuzz/cases/, one kind of damage each (written by
    tests/fuzz/make_cases.py, which says what each one holds)."""
    check_session_bytes(capsys, case.read_bytes(), tmp_path / "write")


# -- config, protocol and scenario files ---------------------------------------------------------

ENDPOINTS = '''
[[endpoints]]
name = "payments-api"
url = "http://127.0.0.1:9/healthz"
service = "payments"
interval = "5s"
timeout = "2s"
stale_after = "30s"
flap_window = "5m"
body_limit = 65536
window = 10
degraded_ratio = 0.2
conditions = ["[STATUS] == 200", "[BODY].status == ok"]
degraded_when = ["[RESPONSE_TIME] < 300"]
headers = { Authorization = "env:PAYMENTS_TOKEN" }
'''
FILES = {
    "config": BUNDLED_CONFIG.read_text(encoding="utf-8") + ENDPOINTS,
    "protocol": (ROOT / "config" / "protocols" / "major-incident.toml").read_text(encoding="utf-8"),
    "scenario": (ROOT / "config" / "scenarios" / "checkout-outage.toml").read_text(encoding="utf-8"),
}
config_keys = st.sampled_from([
    "interval", "timeout", "stale_after", "flap_window", "internal_every", "external_every", "engaged_limit",
    "max_direct_reports", "body_limit", "window", "degraded_ratio", "down_after", "up_after", "flap_changes",
    "handle", "roles", "url", "conditions", "degraded_when", "headers", "method", "name", "title", "severity",
    "default_protocol", "default_severity", "theme", "webhook", "source", "id", "text", "owner", "due",
    "every", "when", "done_on", "at", "behaviour", "latency_ms", "status", "fail_ratio", "period", "base_port",
    "port", "ends_at", "baseline_ms", "jitter_ms", "path", "incident_title", "protocol", "member", "join",
    "bogus_key",
])
config_values = st.one_of(
    toml_values,
    st.sampled_from(['"99999999999d"', '"36500d"', '"0s"', '"0ms"', '"1ms"', '"-5s"', '"5"', '"1h30m"', '"nan"',
                     '"inf"', '"1e3s"', '"5 s"', "0", "-1", "1e400", "nan", "inf", "10000000000000000000000",
                     '"[STATUS] =="', '"[BODY].a.b == ok"', '"len([BODY]) > 0"', '"pat(*)"',
                     '["commander", "captain"]', '{ "X-Api-Key" = "plain" }', '{ "Bad\\nName" = "x" }',
                     '"http://"', '"ftp://x"', '"GET"', '"healthy"', '"partial"', '"flapping"']),
    st.text(max_size=20).map(toml_string),
)
config_mutations = st.one_of(
    byte_mutations,
    st.tuples(st.just("set_value"), positions, config_keys, config_values),
    st.tuples(st.just("drop_key"), positions, config_keys),
)


@fuzz(200)
@given(kind=st.sampled_from(sorted(FILES)), mutations=st.lists(config_mutations, min_size=1, max_size=3))
def test_mutated_config_files_are_answered(kind, mutations, capsys, tmp_path):
    data = FILES[kind].encode("utf-8")
    for mutation in mutations:
        data = apply(data, mutation)
    work = tmp_path / "cfg"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    path = work / f"{kind}.toml"
    path.write_bytes(data)
    code, out, err = run(capsys, "validate", str(path))
    event(f"validate {kind} -> {code}")
    assert_answered(("validate", str(path)), code, out, err)
    assert code in (0, 2), err  # a file is valid or it is bad input, never a runtime failure
    new = work / "new.toml"
    if kind == "config":
        argv = ("--config", str(path), "new", "--no-ui", "--title", "fuzz", "--session", str(new), "--as", "alice")
    elif kind == "protocol":
        argv = ("--config", str(BUNDLED_CONFIG), "new", "--no-ui", "--title", "fuzz", "--protocol", str(path),
                "--session", str(new), "--as", "alice")
    else:
        return  # a scenario is only played by `drill`, which stages real servers
    code, out, err = run(capsys, *argv)
    assert_answered(argv, code, out, err)
    if code == 0:  # what a config put into a session must read back
        for extra in (("status", str(new)), ("report", str(new), "--format", "json")):
            args = ("--config", str(path) if kind == "config" else str(BUNDLED_CONFIG), *extra)
            assert_answered(args, *run(capsys, *args))


# -- a few through real processes: a crash of the parser would end the process, not raise ----------


def _subprocess_inputs() -> list[tuple[str, bytes]]:
    return [("config-deep-array", b"[incident]\ndefault_protocol = " + deep(2000, "array").encode() + b"\n"),
            ("config-deep-table", b"x = " + deep(100_000, "table").encode() + b"\n"),
            ("config-nul-and-not-utf8", b"[incident]\ndefault_protocol = \"a\x00b\"\ntheme = \"\xff\"\n"),
            *[(p.stem, p.read_bytes()) for p in sorted(CASES.glob("deep-*.toml")) if p.stem != "deep-nesting-100"]]


@pytest.mark.parametrize(("name", "data"), _subprocess_inputs(), ids=[n for n, _ in _subprocess_inputs()])
def test_real_processes_survive_deep_and_broken_files(name, data, tmp_path):
    path = tmp_path / f"{name}.toml"
    path.write_bytes(data)
    if name.startswith("config-"):
        commands = [("validate", str(path)), ("--config", str(path), "sessions")]
    else:
        commands = [("validate", str(path)), ("status", str(path))]
    for argv in commands:
        before = path.read_bytes()
        done = subprocess.run([sys.executable, "-m", "cockpit", *argv], capture_output=True, text=True,
                              timeout=60, env=os.environ.copy(), errors="replace")
        said = f"cockpit {' '.join(argv)} -> {done.returncode}\n{done.stderr[-2000:]}"
        assert done.returncode in (0, 1, 2), said  # a negative code is a signal: the parser crashed
        assert "This is a bug" not in done.stderr and "Traceback" not in done.stderr, said
        assert done.stderr.strip() or done.returncode == 0, said
        assert path.read_bytes() == before, said
