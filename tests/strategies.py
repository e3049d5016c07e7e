"""Hypothesis strategies for random incidents, shared by the fold and replay property tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from cockpit.domain import events as ev
from cockpit.domain.protocol import Step

T0 = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
STEPS = (
    Step(id="declare", text="Declare", done_on="declared"),
    Step(id="bridge", text="Open a bridge", owner="commander", due=timedelta(minutes=5)),
    Step(id="ext", text="External update", every=timedelta(minutes=20), done_on="external-update"),
)
handles = st.sampled_from(["alice", "bob", "carol"])
texts = st.text(max_size=20)

event_bodies = st.one_of(
    st.builds(ev.IncidentDeclared, title=texts, severity=st.sampled_from(["SEV1", "SEV2", "SEV3"])),
    st.builds(ev.IncidentRetitled, title=texts),
    st.builds(ev.SeverityChanged, severity=st.sampled_from(["SEV1", "SEV2", "SEV4"]), reason=texts),
    st.builds(ev.StatusChanged, status=st.sampled_from(["investigating", "identified", "monitoring", "resolved"])),
    st.builds(ev.ImpactAssessed, field=st.sampled_from(["users_affected", "data"]),
              value=st.sampled_from(["some", "most", "unknown", "exposure"])),
    st.builds(ev.StepDone, step=st.sampled_from(["declare", "bridge", "ext", "gone"])),
    st.builds(ev.StepSkipped, step=st.sampled_from(["bridge", "ext"]), reason=texts),
    st.builds(ev.StepReopened, step=st.sampled_from(["bridge"])),
    st.builds(ev.RoleAssigned, role=st.sampled_from(["commander", "ops", "sme"]), handle=handles),
    st.builds(ev.RoleReleased, role=st.sampled_from(["commander", "ops"]), handle=handles),
    st.builds(ev.MemberJoined, handle=handles),
    st.builds(ev.MemberStatusChanged, handle=handles,
              status=st.sampled_from(["paged", "engaged", "resting", "off"])),
    st.builds(ev.AskStarted, handle=handles, task=texts, minutes=st.integers(1, 30)),
    st.builds(ev.AskDone, ask=st.integers(1, 30)),
    st.builds(ev.HealthChanged, endpoint=st.sampled_from(["a", "b"]),
              from_=st.sampled_from(["unknown", "up"]), to=st.sampled_from(["up", "down", "degraded"])),
    st.builds(ev.HealthSummary, endpoints=st.just({"a": ev.EndpointWindow(p50_ms=3.0, state="up")})),
    st.builds(ev.NoteAdded, text=texts, tag=st.sampled_from(["note", "decision", "action"])),
    st.builds(ev.UpdatePosted, text=texts, audience=st.sampled_from(["internal", "external"])),
    st.builds(ev.RetroNote, text=texts),
    st.builds(ev.SeatJoined, handle=handles),
    st.builds(ev.SeatLeft, handle=handles),
    st.builds(ev.RawEvent, kind=st.just("future.kind")),
)
"""Events before recording: no ``seq``, ``at`` or ``by`` yet."""
