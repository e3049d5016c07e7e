"""Gatus's own test tables, replayed case by case (the cases, in tests/health/gatus/cases.toml,
name the Gatus test each comes from): a condition pasted from a Gatus config judges as Gatus
judges it, except where Cockpit deliberately answers otherwise, each such case saying why."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from cockpit.health.conditions import ConditionError, parse
from cockpit.health.observation import Seen
from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import make_client
from cockpit.settings import EndpointConfig

TABLE = tomllib.loads((Path(__file__).parent / "gatus" / "cases.toml").read_text(encoding="utf-8"))
CASES = TABLE["case"]
ANSWERS = {"pass", "fail", "valid", "invalid", "refused"}


def _function(entry: dict) -> str:
    return re.match(r"\w+", entry["gatus"]).group()


def _answer(case: dict) -> str:
    return case.get("cockpit", case["expect"])


def _seen(fields: dict) -> Seen:
    return Seen(total_ms=fields.get("response_ms", 12.0), status=fields.get("status"),
                body=fields.get("body", "").encode(), ip=fields.get("ip"),
                certificate_expiration_ms=fields.get("certificate_ms"),
                dns_rcode=fields.get("dns_rcode"), result=fields.get("result"))


def test_every_scenario_of_the_gatus_tables_is_listed():
    listed = Counter()
    for entry in CASES + TABLE["not_applicable"]:
        listed[_function(entry)] += entry.get("scenarios", 1)
    assert dict(listed) == TABLE["scenarios"]


def test_every_deliberate_difference_says_why():
    for case in CASES:
        assert {case["expect"], _answer(case)} <= ANSWERS, case["gatus"]
        if "cockpit" in case:
            assert case["cockpit"] != case["expect"] and case.get("why"), case["gatus"]
    assert all(entry.get("why") for entry in TABLE["not_applicable"])


JUDGED = [case for case in CASES if case.get("seen", {}).get("connected", True)]


@pytest.mark.parametrize("case", JUDGED, ids=[case["gatus"][:90] for case in JUDGED])
def test_cockpit_answers_as_gatus_or_as_documented(case):
    answer, words = _answer(case), case.get("words", "")
    for text in case["conditions"]:
        if answer in ("invalid", "refused"):
            with pytest.raises(ConditionError) as caught:
                parse(text)
            assert words in str(caught.value)
            continue
        condition = parse(text)
        if answer == "valid":
            continue
        verdict = condition.evaluate(_seen(case["seen"]))
        assert verdict.passed is (answer == "pass"), f"{text}: {verdict.detail}"
        assert verdict.passed or words in verdict.detail


UNCONNECTED = [case for case in CASES if case not in JUDGED]


@pytest.mark.parametrize("case", UNCONNECTED, ids=[case["gatus"] for case in UNCONNECTED])
async def test_a_check_that_cannot_connect_fails_before_its_conditions(case, refused_url):
    client = make_client()
    try:
        result = await probe(client, Check.of(EndpointConfig(name="svc", url=refused_url,
                                                             conditions=case["conditions"])))
    finally:
        await client.aclose()
    assert (result.outcome, result.detail) == (Outcome.FAIL, case["words"])
