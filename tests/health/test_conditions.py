"""The condition language: every feature judged against a real server, and its mistakes explained."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.health.conditions import ConditionError, parse
from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import make_client
from cockpit.settings import EndpointConfig

# (route, condition, passes?, words the failure detail must contain)
FEATURES = [
    ("/ok", "[STATUS] == 200", True, ""),
    ("/status/503", "[STATUS] == 200", False, "status 503"),
    ("/ok", "[STATUS] != 500", True, ""),
    ("/ok", "[STATUS] < 300", True, ""),
    ("/status/404", "[STATUS] <= 399", False, "status 404"),
    ("/status/503", "[STATUS] >= 500", True, ""),
    ("/ok", "[STATUS] > 200", False, "status 200"),
    ("/ok", "[STATUS] == any(200, 204)", True, ""),
    ("/status/503", "[STATUS] == any(200, 204)", False, "status 503"),
    ("/ok", "[BODY].status == ok", True, ""),
    ("/ok", '[BODY].status == "ok"', True, ""),
    ("/status/503", "[BODY].status == ok", False, "[BODY].status is 'failing', wanted == ok"),
    ("/ok", "[BODY].data[0].status == up", True, ""),
    ("/ok", "[BODY].data[0].id == 1", True, ""),
    ("/ok", "[BODY].data[1].status == up", False, "[BODY].data[1].status: missing"),
    ("/ok", "[BODY].items[2] == 3", True, ""),
    ("/list", "[BODY][0].status == up", True, ""),
    ("/list", "[BODY][1].status == up", False, "[BODY][1].status is 'down', wanted == up"),
    ("/list", "len([BODY]) == 2", True, ""),
    ("/text", "len([BODY]) == 20", True, ""),
    ("/list", "[BODY].status == up", False, "[BODY].status: missing"),
    ("/ok", "[BODY].ratio < 1", True, ""),
    ("/ok", "[BODY].ready == true", True, ""),
    ("/ok", "[BODY].errors == null", True, ""),
    ("/ok", "[BODY].version == 5m", True, ""),
    ("/ok", "[BODY].missing == 0", False, "[BODY].missing: missing"),
    ("/ok", "[BODY].missing < 1", False, "[BODY].missing: missing"),
    ("/text", "[BODY].status == ok", False, "[BODY].status: body is not JSON"),
    ("/text", "[BODY] == plain text, not JSON", True, ""),
    ("/text", "[BODY] == pat(*not JSON)", True, ""),
    ("/ok", "[BODY].name == pat(web-*)", True, ""),
    ("/ok", "[BODY].name == pat(db-?)", False, "[BODY].name is 'web-7', wanted == pat(db-?)"),
    ("/ok", "[BODY].name != pat(db-*)", True, ""),
    ("/ok", "len([BODY].items) == 3", True, ""),
    ("/ok", "len([BODY].name) >= 5", True, ""),
    ("/ok", "len([BODY].items) > 5", False, "len([BODY].items) is 3, wanted > 5"),
    ("/ok", "len([BODY].nothing) > 0", False, "[BODY].nothing: missing"),
    ("/ok", "len([BODY].ratio) == 3", True, ""),
    ("/ok", "len([BODY].data[0]) > 10", True, ""),
    ("/ok", "has([BODY].errors) == true", True, ""),
    ("/ok", "has([BODY].failures) == false", True, ""),
    ("/ok", "has([BODY].data[0].id) == true", True, ""),
    ("/text", "has([BODY].status) == false", True, ""),
    ("/ok", "[BODY].status < 3", False, "'ok' is not a number"),
    ("/ok", "[RESPONSE_TIME] < 5000", True, ""),
    ("/ok", "[RESPONSE_TIME] < 5s", True, ""),
    ("/slow/150", "[RESPONSE_TIME] < 100ms", False, "response time"),
    ("/ok", "[CONNECTED] == true", True, ""),
    ("/ok", "[CERTIFICATE_EXPIRATION] > 48h", False, "[CERTIFICATE_EXPIRATION]: no TLS certificate"),
    ("/ok", "200 == [STATUS]", True, ""),
]


@pytest.mark.parametrize(("route", "condition", "passes", "detail"), FEATURES,
                         ids=[f"{route} {cond}" for route, cond, _, _ in FEATURES])
async def test_each_feature_against_a_real_server(fleet, route, condition, passes, detail):
    client = make_client()
    try:
        result = await probe(client, Check.of(fleet.endpoint("svc", route, conditions=[condition])))
    finally:
        await client.aclose()
    assert result.outcome is (Outcome.OK if passes else Outcome.FAIL), result.detail
    if not passes:
        assert detail in result.detail


async def test_a_transport_error_fails_every_condition_even_connected(refused_url):
    client = make_client()
    try:
        check = Check.of(EndpointConfig(name="svc", url=refused_url,
                                        conditions=["[CONNECTED] == false", "has([BODY].x) == false"]))
        result = await probe(client, check)
    finally:
        await client.aclose()
    assert result.outcome is Outcome.FAIL
    assert result.detail == "connection refused"


@pytest.mark.parametrize(("text", "column", "words"), [
    ("", 1, "empty condition"),
    ("[STATUS] === 200", 12, "unexpected '='"),
    ("[STAUS] == 200", 1, "unknown placeholder [STAUS]"),
    ("[status] == 200", 1, "did you mean [STATUS]?"),
    ("[STATUS] < fast", 12, "needs a number or a duration"),
    ("[BODY]. == ok", 8, "expected a field name"),
    ("[BODY].items[x] == 1", 14, "expected an index"),
    ("[STATUS].code == 200", 9, "[STATUS] has no fields"),
    ("len([BODY].items == 3)", 18, "a ) to close len("),
    ("[STATUS]", 9, "expected an operator"),
    ("[STATUS] == == 200", 13, "a second operator"),
    ("up == ok", 1, "one side needs a placeholder"),
    ("[STATUS] < pat(2*)", 12, "pat() works only with == and !="),
    ("pat(x) == [STATUS]", 1, "pat() belongs on the right"),
    ("[BODY].name == pat(web-*", 20, "pat( is not closed"),
    ("any(1) == [STATUS]", 1, "any() belongs on the right"),
    ("[STATUS] == any()", 17, "empty value in any"),
    ("size([BODY]) > 1", 1, "unknown function size()"),
    ("len(200) > 1", 5, "len() takes a placeholder"),
    ("[STATUS] ~ 200", 10, "expected an operator (== != <= >= < >), found '~'"),
])
def test_mistakes_point_at_the_column(text, column, words):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    error = caught.value
    assert error.column == column
    assert words in str(error)
    shown, caret = str(error).splitlines()[-2:]
    assert shown == "    " + text and caret == " " * (4 + column - 1) + "^"


def test_an_error_names_the_endpoint_and_the_condition():
    endpoint = EndpointConfig(name="payments-api", url="http://127.0.0.1:1/",
                              conditions=["[STATUS] == 200", "[BODY].status = ok"])
    with pytest.raises(ConditionError) as caught:
        Check.of(endpoint)
    message = str(caught.value)
    assert message.startswith("endpoint 'payments-api', conditions #2: ")
    assert "    [BODY].status = ok\n                  ^" in message


def test_durations_on_the_right_are_milliseconds_for_times_only():
    assert parse("[CERTIFICATE_EXPIRATION] > 48h").right.number == 48 * 3600 * 1000
    assert parse("[RESPONSE_TIME] < 1.5s").right.number == 1500
    assert parse("[BODY].version == 5m").right.number is None  # compared as text


FRAGMENTS = ["[STATUS]", "[BODY]", "[BODY].a", "[BODY].a[0]", "[RESPONSE_TIME]", "[CONNECTED]",
             "[CERTIFICATE_EXPIRATION]", "len(", "has(", "pat(", "any(", ")", ",", "==", "!=", "<",
             "<=", ">", ">=", "=", "!", "200", "48h", "ok", '"', " ", "[", "]", ".", "[0]", "*",
             "\x1b", "é", "9" * 30]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)))
def test_random_text_only_ever_raises_condition_error(text):
    try:
        condition = parse(text)
    except ConditionError:
        return
    assert condition.source == text


class _Seen:
    """A fixed observation: what a check could have seen, for the property below."""

    def __init__(self, body: bytes, status: int | None, connected: bool) -> None:
        self.status, self.total_ms, self.connected = status, 12.5, connected
        self.certificate_expiration_ms = None
        self._body = body

    def body_text(self) -> str:
        return self._body.decode("utf-8", errors="replace")

    def body_json(self):
        try:
            return True, json.loads(self._body), ""
        except ValueError:
            return False, None, "body is not JSON"


JSON_BODIES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner, max_size=2),
    max_leaves=6,
).map(lambda value: json.dumps(value).encode())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS[:27] + list(string.digits)), max_size=7).map("".join),
       JSON_BODIES | st.binary(max_size=20), st.none() | st.integers(100, 599), st.booleans())
def test_parsed_conditions_judge_any_body_without_raising(text, body, status, connected):
    try:
        condition = parse(text)
    except ConditionError:
        return
    verdict = condition.evaluate(_Seen(body, status, connected))
    assert isinstance(verdict.passed, bool)
    assert verdict.passed or verdict.detail


@pytest.mark.parametrize("text", ["[STATUS] == 200 && [BODY].status == ok", "[STATUS] == 200 || [STATUS] == 204"])
def test_joined_conditions_are_refused_with_the_way_to_write_them(text):
    with pytest.raises(ConditionError, match="list each condition separately") as info:
        parse(text)
    assert "^" in str(info.value)
