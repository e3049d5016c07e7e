"""Writes the damaged-session reproducers of tests/fuzz/cases/, one kind of damage per file.

Run it from anywhere (``python tests/fuzz/make_cases.py``) after changing a case; the files are
checked in, so the tests never depend on running it. Every case starts from the same small,
valid session (a header, ``session.configured``, ``incident.declared``, notes, a status change)
and damages one thing: the file name says what.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "cases"
HEADER = '''[cockpit]
format = 1
session = "case"
created = 2026-11-27T04:10:00.000Z
drill = false
'''
CONFIGURED = '''
[[events]]
at = 2026-11-27T04:10:00.000Z
by = "alice"
kind = "session.configured"
protocol = "major-incident"
steps = [{ id = "declare", text = "Declare the incident and set a severity", owner = "commander", due = "1m", done_on = "declared" }]
people = [{ handle = "alice", name = "Alice Ng", roles = ["commander", "ops"] }]
endpoints = []
seq = 1
'''
DECLARED = '''
[[events]]
at = 2026-11-27T04:10:00.120Z
by = "alice"
kind = "incident.declared"
title = "Checkout API returning 500s"
severity = "SEV2"
seq = 2
'''
def note(seq, at="2026-11-27T04:11:00.000Z", text="rolled back deploy 3", extra="", kind='kind = "note.added"\n'):
    return f'''
[[events]]
at = {at}
by = "alice"
{kind}text = "{text}"
tag = "decision"
{extra}seq = {seq}
'''
LAST = '''
[[events]]
at = 2026-11-27T04:20:00.000Z
by = "alice"
kind = "status.changed"
status = "identified"
seq = 5
'''
GOOD = HEADER + CONFIGURED + DECLARED
def body(middle: str) -> str:
    return GOOD + middle + LAST

cases: dict[str, bytes] = {
    "valid": body(note(3) + note(4)).encode(),
    "at-yesterday": body(note(3, at='"yesterday"') + note(4)).encode(),
    "no-kind": body(note(3, kind="") + note(4)).encode(),
    "header-format-one": (HEADER.replace("format = 1", 'format = "one"') + CONFIGURED + DECLARED + note(3) + note(4) + LAST).encode(),
    "at-9999": body(note(3, at="9999-12-31T23:59:59.999Z") + note(4)).encode(),
    "at-no-zone": body(note(3, at="2026-11-27T04:10:00") + note(4)).encode(),
    "at-date": body(note(3, at="2026-11-27") + note(4)).encode(),
    "at-time-only": body(note(3, at="04:10:00") + note(4)).encode(),
    "deep-nesting-event": body(note(3, extra="deep = " + "[" * 2000 + "]" * 2000 + "\n") + note(4)).encode(),
    "deep-nesting-inline-table": body(note(3, extra="deep = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n") + note(4)).encode(),
    "deep-nesting-100": body(note(3, extra="deep = " + "[" * 100 + "]" * 100 + "\n") + note(4)).encode(),
    "deep-dotted-key": body(note(3, extra=".".join(["d"] * 2000) + " = 1\n") + note(4)).encode(),
    "nul-byte": body(note(3) + note(4)).encode().replace(b"rolled back deploy 3", b"rolled back\x00deploy 3", 1),
    "nul-byte-between-events": body(note(3) + "\x00\n" + note(4)).encode(),
    "non-utf8": body(note(3) + note(4)).encode().replace(b"rolled back deploy 3", b"rolled back \xff deploy 3", 1),
    "events-single-table": (GOOD + note(3).replace("[[events]]", "[events]") + note(4) + LAST).encode(),
    "header-twice": (GOOD + "\n" + HEADER + note(3) + note(4) + LAST).encode(),
    "seq-duplicate": body(note(3) + note(3)).encode(),
    "seq-string": body(note('"three"') + note(4)).encode(),
    "seq-negative": body(note(-3) + note(4)).encode(),
    "seq-huge": body(note(9223372036854775807) + note(4)).encode(),
    "seq-overflow": body(note(99999999999999999999) + note(4)).encode(),
    "kind-number": body(note(3, kind="kind = 5\n") + note(4)).encode(),
    "by-missing": body(note(3).replace('by = "alice"\n', "") + note(4)).encode(),
    "field-wrong-type": body(note(3, extra="").replace('tag = "decision"', "tag = 42") + note(4)).encode(),
    "severity-bogus": (GOOD + DECLARED.replace('"SEV2"', '"SEV9"').replace("seq = 2", "seq = 3") + note(4) + LAST).encode(),
    "crlf": body(note(3) + note(4)).encode().replace(b"\n", b"\r\n"),
    "bom": b"\xef\xbb\xbf" + body(note(3) + note(4)).encode(),
    "torn-tail": body(note(3) + note(4)).encode()[:-25],
    "header-only": HEADER.encode(),
    "empty": b"",
    "no-header": (CONFIGURED + DECLARED + note(3)).encode(),
    "header-not-a-table": ('cockpit = 1\n' + CONFIGURED + DECLARED + note(3)).encode(),
    "events-not-array": (GOOD.split("\n[[events]]")[0] + '\nevents = "nope"\n').encode(),
    "at-1900": body(note(3, at="1900-01-01T00:00:00Z") + note(4)).encode(),
    "at-offset": body(note(3, at="2026-11-27T04:11:00+05:00") + note(4)).encode(),
    "created-bogus": (HEADER.replace("created = 2026-11-27T04:10:00.000Z", 'created = "soon"') + CONFIGURED + DECLARED + note(3) + note(4) + LAST).encode(),
    "title-control-chars": body(note(3, text="\\u001b]0;pwned\\u0007\\u001b[2J") + note(4)).encode(),
    "text-huge": body(note(3, text="x" * 20_000) + note(4)).encode(),
    "steps-wrong-shape": (HEADER + CONFIGURED.replace('steps = [{ id = "declare"', 'steps = [{ id = 7')
                          + DECLARED + note(3) + LAST).encode(),
    "subtable-of-event": body(note(3) + "\n[events.extra]\nx = 1\n" + note(4)).encode(),
    "garbage-line-middle": body(note(3) + "\n}}}} not toml {{{{\n" + note(4)).encode(),
}

def event(seq, kind, fields):
    return f'\n[[events]]\nat = 2026-11-27T04:12:00.000Z\nby = "alice"\nkind = "{kind}"\n{fields}seq = {seq}\n'


cases.update({
    "ask-minutes-huge": body(event(3, "ask.started", 'handle = "bob"\ntask = "check the db"\nminutes = 1e+20\n') + note(4)).encode(),
    "ask-minutes-inf": body(event(3, "ask.started", 'handle = "bob"\ntask = "check the db"\nminutes = inf\n') + note(4)).encode(),
    "ask-minutes-nan": body(event(3, "ask.started", 'handle = "bob"\ntask = "check the db"\nminutes = nan\n') + note(4)).encode(),
    "ask-minutes-int-overflow": body(event(3, "ask.started", 'handle = "bob"\ntask = "check the db"\nminutes = 9223372036854775807\n') + note(4)).encode(),
    "update-next-at-9999": body(event(3, "update.posted", 'text = "on it"\naudience = "external"\nnext_update_at = 9999-12-31T23:59:59.999Z\n') + note(4)).encode(),
    "health-summary-nan": body(event(3, "health.summary", 'endpoints = { a = { p50_ms = nan, p95_ms = inf, ok_ratio = -inf, state = "up" } }\n') + note(4)).encode(),
    "step-due-huge": (HEADER + CONFIGURED.replace('due = "1m"', 'due = "36500d"') + DECLARED + note(3) + LAST).encode(),
    "id-not-a-string": body(note(3, extra="id = -0.0\n") + note(4, extra="id = [1, 2]\n")).encode(),
    "unknown-kind-nan": body(event(3, "future.kind", "value = nan\nlimit = inf\n") + note(4)).encode(),
    "configured-protocol-nan": (HEADER + CONFIGURED.replace('protocol = "major-incident"', "protocol = nan")
                                + DECLARED + note(3) + LAST).encode(),
    "ask-minutes-large": body(event(3, "ask.started", 'handle = "bob"\ntask = "check the db"\nminutes = 4200000000.0\n') + note(4)).encode(),
    "step-every-zero": (HEADER + CONFIGURED.replace('due = "1m"', 'every = "0s"') + DECLARED + note(3) + LAST).encode(),
})
if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(cases.items()):
        (OUT / f"{name}.toml").write_bytes(data)
    print(f"{len(cases)} cases written to {OUT}")
