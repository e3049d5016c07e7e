"""The importers against what people and other tools write: every row the narrator words reads
back as the event it was, and whatever bytes a file holds, ``cockpit import`` answers with exit 0
or 2 and a sentence, writing nothing when it refuses."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.domain import events as ev
from cockpit.domain.links import LINK_KINDS
from cockpit.domain.vocabulary import MOMENT_LABELS, RETRO_CATEGORY_LABELS
from cockpit.importing import row_event
from cockpit.narrate import narrate

EXPLORE = int(os.environ.get("COCKPIT_FUZZ_EXAMPLES", "0"))


def fuzz(examples: int) -> settings:
    return settings(max_examples=EXPLORE or examples, derandomize=not EXPLORE, database=None,
                    deadline=None, print_blob=False, suppress_health_check=list(HealthCheck))


AT = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
words = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ,.;:!?()'\"/=+#&<>|*_-]{0,30}[A-Za-z0-9.)]", fullmatch=True) \
    .filter(lambda s: "  " not in s and not s.startswith(("decision:", "action:", "hypothesis:")))
handles = st.from_regex(r"[a-z][a-z0-9._-]{0,12}", fullmatch=True)
severities = st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"])
states = st.sampled_from(["unknown", "up", "degraded", "down"])

readable = st.one_of(
    st.builds(ev.NoteAdded, text=words, tag=st.sampled_from(["note", "decision", "action", "hypothesis"])),
    st.builds(ev.UpdatePosted, text=words, audience=st.sampled_from(["internal", "external"]),
              next_update_at=st.one_of(st.none(), st.integers(0, 24 * 60 - 1).map(
                  lambda m: AT + timedelta(minutes=m)))),
    st.builds(ev.RetroNote, text=words, category=st.one_of(st.none(), st.sampled_from(sorted(RETRO_CATEGORY_LABELS)))),
    st.builds(ev.MomentMarked, moment=st.sampled_from(sorted(MOMENT_LABELS)), inferred=st.booleans()),
    st.builds(ev.LinkAdded, url=st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/]{0,12}", fullmatch=True),
              label=st.one_of(st.just(""), words), link_kind=st.sampled_from(LINK_KINDS)),
    st.builds(ev.DrillInject, text=words),
    st.builds(ev.IncidentDeclared, title=words, severity=severities),
    st.builds(ev.IncidentRetitled, title=words),
    st.builds(ev.SeverityChanged, severity=severities, reason=st.one_of(st.just(""), words)),
    st.builds(ev.StatusChanged, status=st.sampled_from(["investigating", "identified", "monitoring", "resolved"])),
    st.builds(ev.ImpactAssessed, field=st.sampled_from(["customer_facing", "users_affected", "functionality",
                                                        "data", "revenue", "services", "regions"]), value=words),
    st.builds(ev.RoleAssigned, role=st.sampled_from(["commander", "deputy", "scribe", "ops", "comms", "liaison", "sme"]),
              handle=handles, briefing=st.one_of(st.none(), words)),
    st.builds(ev.RoleReleased, role=st.sampled_from(["commander", "ops", "sme"]), handle=handles),
    st.builds(ev.MemberJoined, handle=handles, status=st.sampled_from(["paged", "engaged", "resting", "off"])),
    st.builds(ev.MemberStatusChanged, handle=handles, status=st.sampled_from(["paged", "engaged", "resting", "off"])),
    st.builds(lambda e, a, b, d: ev.HealthChanged(endpoint=e, **{"from": a}, to=b, detail=d),
              handles, states, states, st.one_of(st.just(""), words)),
    st.builds(ev.AskStarted, handle=handles, task=words, minutes=st.integers(1, 600).map(float)),
)


@fuzz(400)
@given(readable)
def test_every_row_the_narrator_words_reads_back_as_its_event(event):
    event = event.model_copy(update={"at": AT})
    fields = row_event(event.kind, narrate(event), AT)
    assert fields is not None, narrate(event)
    again = type(event).model_validate({"at": AT, "by": event.by, **fields})
    assert again == event, narrate(event)


# -- whatever a file holds -------------------------------------------------------------------------

EXPORTED = (
    '{"seq": 1, "at": "2026-11-27T04:10:00.000Z", "by": "alice", "kind": "incident.declared",'
    ' "title": "Checkout down", "severity": "SEV2"}\n'
    '{"seq": 2, "at": "2026-11-27T04:12:00.000Z", "by": "bob", "kind": "note.added", "text": "roll back",'
    ' "tag": "decision"}\n',
    "at,by,kind,text,links\r\n2026-11-27T04:10:00.000Z,alice,incident.declared,declared SEV2 (major): Checkout down,\r\n"
    "2026-11-27T04:12:00.000Z,bob,note.added,\"decision: roll back, now\",https://x.example/\r\n",
    "| at | by | kind | text | links |\n|---|---|---|---|---|\n"
    "| 2026-11-27T04:10:00.000Z | alice | status.changed | status → RESOLVED |  |\n"
    "| T+01:00 | bob | note | a \\| b<br>c |  |\n",
)


def _mutated(draw, base: str) -> str:
    data = bytearray(base.encode())
    for _ in range(draw(st.integers(1, 6))):
        choice = draw(st.integers(0, 3))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if choice == 0 and data:
            data[at] = draw(st.integers(0, 255))
        elif choice == 1:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif choice == 2:
            del data[at:at + draw(st.integers(1, 20))]
        else:
            data[at:at] = draw(st.sampled_from([b"\n", b"|", b",", b'"', b"{", b"\\", b"T+", b"\x00"]))
    return data


@st.composite
def files(draw):
    index = draw(st.integers(0, 2))
    suffix = (".jsonl", ".csv", ".md")[index]
    if draw(st.booleans()):
        return suffix, bytes(draw(st.text(max_size=200)).encode("utf-8", "surrogatepass"))
    return suffix, bytes(_mutated(draw, EXPORTED[index]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("imports")


@fuzz(300)
@given(files())
def test_any_file_gets_an_answer_and_a_refusal_writes_nothing(folder, capsys, file):
    suffix, data = file
    source = folder / f"timeline{suffix}"
    source.write_bytes(data)
    target = folder / "imported.toml"
    target.unlink(missing_ok=True)
    code = main(["import", str(source), "--session", str(target)])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "bug" not in err and "Traceback" not in err
    if code == 2:
        assert not target.exists() and out == ""
        assert err.startswith("cockpit: error: ") and err.count("\n") == 1
    else:
        assert main(["report", str(target)]) == 0  # what was imported reads as an incident
        capsys.readouterr()
