"""The condition language: every feature judged against a real server, and its mistakes explained."""

from __future__ import annotations

import json
import string

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.health.conditions import ConditionError, compile_all, parse
from cockpit.health.observation import Seen
from cockpit.health.probe import Check, Outcome, probe
from cockpit.health.transport import make_client
from cockpit.settings import EndpointConfig
from cockpit.validate import validate_file
from tests.health.conftest import serve

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
    ("/status/503", "[BODY].status == ok", False, '[BODY].status is "failing", wanted == ok'),
    ("/ok", "[BODY].data[0].status == up", True, ""),
    ("/ok", "[BODY].data[0].id == 1", True, ""),
    ("/ok", "[BODY].data[1].status == up", False, "[BODY].data[1].status: missing"),
    ("/ok", "[BODY].items[2] == 3", True, ""),
    ("/list", "[BODY][0].status == up", True, ""),
    ("/list", "[BODY][1].status == up", False, '[BODY][1].status is "down", wanted == up'),
    ("/list", "len([BODY]) == 2", True, ""),
    ("/text", "len([BODY]) == 20", True, ""),
    ("/list", "[BODY].status == up", False, "[BODY].status: missing"),
    ("/ok", "[BODY].ratio < 1", True, ""),
    ("/ok", "[BODY].ready == true", True, ""),
    ("/ok", "[BODY].errors == null", False, "[BODY].errors: null"),  # null is no value, as in Gatus
    ("/ok", "[BODY].version == 5m", True, ""),
    ("/ok", "[BODY].missing == 0", False, "[BODY].missing: missing"),
    ("/ok", "[BODY].missing < 1", False, "[BODY].missing: missing"),
    ("/text", "[BODY].status == ok", False, "[BODY].status: body is not JSON"),
    ("/text", "[BODY] == plain text, not JSON", True, ""),
    ("/text", "[BODY] == pat(*not JSON)", True, ""),
    ("/ok", "[BODY].name == pat(web-*)", True, ""),
    ("/ok", "[BODY].name == pat(db-?)", False, '[BODY].name is "web-7", wanted == pat(db-?)'),
    ("/ok", "pat(web-*) == [BODY].name", True, ""),
    ("/ok", "[body].Name == web-7", False, "[BODY].Name: missing"),  # placeholders ignore case, fields do not
    ("/ok", "[Body].name == web-7", True, ""),
    ("/ok", "[BODY].name != pat(db-*)", True, ""),
    ("/ok", "len([BODY].items) == 3", True, ""),
    ("/ok", "len([BODY].name) >= 5", True, ""),
    ("/ok", "len([BODY].items) > 5", False, "len([BODY].items) is 3, wanted > 5"),
    ("/ok", "len([BODY].nothing) > 0", False, "[BODY].nothing: missing"),
    ("/ok", "len([BODY].ratio) == 3", True, ""),
    ("/ok", "len([BODY].data[0]) > 10", True, ""),
    ("/ok", "has([BODY].errors) == false", True, ""),  # "errors": null
    ("/ok", "has([BODY].name) == true", True, ""),
    ("/ok", "has([BODY]) == true", True, ""),
    ("/ok", "has([BODY].failures) == false", True, ""),
    ("/ok", "has([BODY].data[0].id) == true", True, ""),
    ("/text", "has([BODY].status) == false", True, ""),
    ("/ok", "[BODY].status < 3", False, '[BODY].status is "ok", not a number'),
    ("/ok", "[STATUS] == any(204, 200)", True, ""),
    ("/ok", "any(204, 200) == [STATUS]", True, ""),
    ("/ok", "300 > [STATUS]", True, ""),
    ("/ok", "[RESPONSE_TIME] < 5000", True, ""),
    ("/ok", "[RESPONSE_TIME] < 5s", True, ""),
    ("/slow/150", "[RESPONSE_TIME] < 100ms", False, "response time"),
    ("/ok", "[CONNECTED] == true", True, ""),
    ("/ok", "[CERTIFICATE_EXPIRATION] > 48h", False, "[CERTIFICATE_EXPIRATION]: no TLS certificate"),
    ("/ok", "[IP] == 127.0.0.1", True, ""),
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


@pytest.mark.parametrize(("url", "condition", "words"), [
    ("http://127.0.0.1:1/", "[DNS_RCODE] == NOERROR", "[DNS_RCODE]: no DNS answer (only dns:// endpoints have one)"),
    ("http://127.0.0.1:1/", "[VALUE] > 0", "[VALUE]: no query result (only prometheus endpoints have one)"),
    ("tcp://127.0.0.1:1", "[STATUS] == 200", "[STATUS]: no HTTP status (only http(s), prometheus endpoints have one)"),
])
def test_a_placeholder_the_kind_never_has_is_refused_when_read(url, condition, words):
    """It could never pass: said once, when the config is read, not at every check."""
    with pytest.raises(ConditionError) as refused:
        Check.of(EndpointConfig(name="svc", url=url, conditions=[condition]))
    assert f"endpoint 'svc', conditions #1: {words}" in str(refused.value)


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
    ("[DOMAIN_EXPIRATION] > 720h", 1, "needs a whois lookup, which Cockpit does not do"),
    ("LEN([BODY]) > 1", 1, "did you mean len()?"),
    ("[BODY] == pat([a-)", 15, "the pattern has a [ that is not closed"),
    ("[BODY] == pat([z-a])", 15, "backwards range z-a"),
    ("[STATUS] < fast", 12, "needs a number or a duration"),
    ("[BODY]. == ok", 8, "expected a field name"),
    ("[BODY].items[x] == 1", 14, "expected an index"),
    ("[STATUS].code == 200", 9, "[STATUS] has no fields"),
    ("len([BODY].items == 3)", 18, "a ) to close len("),
    ("[STATUS]", 9, "expected an operator"),
    ("[STATUS] == == 200", 13, "a second operator"),
    ("up == ok", 1, "one side needs a placeholder"),
    ("[STATUS] < pat(2*)", 12, "pat() works only with == and !="),
    ("pat(x) < [STATUS]", 1, "pat() works only with == and !="),
    ("[BODY].name == pat(web-*", 20, "pat( is not closed"),
    ("any(1) >= [STATUS]", 1, "any() works only with == and !="),
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
             "\x1b", "é", "9" * 30, "[IP]", "[DNS_RCODE]", "[VALUE]", "[RESULT]", "[LABELS].a", "&&", "||",
             "0x1f", "1_0", "\n", "[status]", "pat(", "1.5s"]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)))
def test_random_text_only_ever_raises_condition_error(text):
    try:
        condition = parse(text)
    except ConditionError:
        return
    assert condition.source == text


JSON_BODIES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner, max_size=2),
    max_leaves=6,
).map(lambda value: json.dumps(value).encode())


ANY_RESULT = st.none() | st.lists(st.fixed_dictionaries({
    "metric": st.none() | st.dictionaries(st.sampled_from("ab"), st.text(max_size=3), max_size=2),
    "value": st.lists(st.none() | st.floats() | st.text(max_size=4), max_size=3)}), max_size=2)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS[:27] + FRAGMENTS[30:] + list(string.digits)), max_size=7).map("".join),
       JSON_BODIES | st.binary(max_size=20), st.none() | st.integers(100, 599),
       st.none() | st.text(max_size=5), ANY_RESULT)
def test_parsed_conditions_judge_any_observation_without_raising(text, body, status, ip, result):
    try:
        condition = parse(text)
    except ConditionError:
        return
    verdict = condition.evaluate(Seen(total_ms=12.5, status=status, body=body, ip=ip, dns_rcode=ip,
                                      result=result))
    assert isinstance(verdict.passed, bool)
    assert verdict.passed or verdict.detail


@pytest.mark.parametrize("text", ["[STATUS] == 200 && [BODY].status == ok", "[STATUS] == 200 || [STATUS] == 204"])
def test_joined_conditions_are_refused_with_the_way_to_write_them(text):
    with pytest.raises(ConditionError, match="list each condition separately") as info:
        parse(text)
    assert "^" in str(info.value)


def test_joiners_inside_a_pattern_or_a_value_are_text():
    assert parse("[BODY].q == tom && jerry").right.text == "tom && jerry"
    assert parse("[BODY] == pat(*a || b*)").right.glob == "*a || b*"
    assert parse('[BODY].q == "x && [STATUS] == 200"').right.text == "x && [STATUS] == 200"
    with pytest.raises(ConditionError, match="&& cannot join conditions"):
        parse("[BODY] == pat(*a*) && len([BODY]) > 0")


# -- what users found, through a real server: (body, condition, passes?, words of the detail) ---

BODIES = [
    (b'{"data":"0x1"}', "[BODY].data > 0", True, ""),
    (b'{"data":"0x1"}', "[BODY].data == 0x01", True, ""),
    (b'{"data":"0o17"}', "[BODY].data == 15", True, ""),
    (b'{"data":"0b101"}', "[BODY].data >= 5", True, ""),
    (b'{"n":"1_000"}', "[BODY].n == 1000", True, ""),
    (b'{"n":"010"}', "[BODY].n == 10", True, ""),  # Go reads 010 as octal 8: a deliberate difference
    (b'{"name": "john.doe"}', "len([BODY]) == 20", True, ""),
    (b'{"b": 1, "a": 2}', '[BODY] == {"b": 1, "a": 2}', True, ""),
    (b'{"obj": {"b": 1, "a": 2}}', '[BODY].obj == {"a":2,"b":1}', True, ""),
    (b'{"obj": {"b": 1, "a": 2}}', "len([BODY].obj) == 13", True, ""),
    (b"[1, 2, 3]\n", "len([BODY]) == 3", True, ""),
    (b"OK\n", "[BODY] == OK", True, ""),
    (b"OK\n", "len([BODY]) == 3", True, ""),
    (b"  \n", "has([BODY]) == false", True, ""),
    (b"FAIL\nsee logs\n", "[BODY] == OK", False, '[BODY] is "FAIL\\nsee logs", wanted == OK'),
    (b'{"e": "\\u001b]0;owned\\u0007red"}', "[BODY].e == ok", False, '[BODY].e is "\\u001b]0;owned\\u0007red"'),
    (b'{"errors": null}', "has([BODY].errors) == false", True, ""),
    (b'{"errors": null}', "[BODY].errors == null", False, "[BODY].errors: null"),
    (b'{"errors": null}', "len([BODY].errors) == 0", False, "[BODY].errors: null"),
    (b'{"q": "tom && jerry"}', "[BODY].q == tom && jerry", True, ""),
    (b'{"q": "a || b"}', "[BODY].q == pat(* || *)", True, ""),
    (b'{"Name": "x"}', "[body].Name == x", True, ""),
    (b'{"Name": "x"}', "[Body].name == x", False, "[BODY].name: missing"),
    (b'"OK"', '[BODY] == "OK"', True, ""),
    (b"OK", '[BODY] == "OK"', True, ""),
    (b'{"v": "1.95"}', "[BODY].v > 1.9", True, ""),  # Gatus truncates to 1 > 1: false
    (b'{"v": 1.5}', "[BODY].v <= 1.5", True, ""),
    (b'{"v": "1.10"}', "[BODY].v == 1.1", False, '[BODY].v is "1.10", wanted == 1.1'),  # text, as in Gatus
    (b'{"uptime": "2h"}', "[BODY].uptime > 1h", True, ""),
    (b'{"uptime": "2h"}', "48h > [BODY].uptime", True, ""),
    (b'{"path": "/api/v1"}', "[BODY].path == pat(/api/*)", True, ""),
    (b'{"code": "E42"}', "[BODY].code == pat(E[0-9][0-9])", True, ""),
    (b'{"code": "E42"}', "[BODY].code == pat(E[^4]*)", False, '[BODY].code is "E42", wanted == pat(E[^4]*)'),
    (b'{"n": 7}', "[BODY].n == any(0x7, 8)", True, ""),
    (b"[1, 2]", "[BODY] == [1, 2]", True, ""),
    (b'{"n": "' + b"9" * 5000 + b'"}', "[BODY].n == 1", False, '[BODY].n is "999999999'),
]


@pytest.fixture
async def bodies():
    """A server answering ``/<n>`` with the n-th body of BODIES, exactly as written."""
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(body=BODIES[int(request.match_info["n"])][0], content_type="text/plain")

    app = web.Application()
    app.router.add_get("/{n}", answer)
    runner, port = await serve(app)
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("n", range(len(BODIES)), ids=[f"{b!r} {c}" for b, c, _, _ in BODIES])
async def test_bodies_are_judged_as_gatus_judges_them(bodies, n):
    _, condition, passes, detail = BODIES[n]
    client = make_client()
    try:
        result = await probe(client, Check.of(EndpointConfig(name="svc", url=f"{bodies}/{n}",
                                                             conditions=[condition])))
    finally:
        await client.aclose()
    assert result.outcome is (Outcome.OK if passes else Outcome.FAIL), result.detail
    assert detail in result.detail


# -- the placeholders of the other kinds, with the observation the checks fill --------------------

SAMPLES = [{"metric": {"job": "api", "instance": "a:9100"}, "value": [1700000000.1, "0.25"]},
           {"metric": {"job": "api", "instance": "b:9100"}, "value": [1700000000.1, "1"]}]
KINDS = {
    "tcp": Seen(total_ms=3.2, ip="10.0.0.7"),
    "dns": Seen(total_ms=1.0, dns_rcode="NXDOMAIN", body=b""),
    "query": Seen(total_ms=8.0, status=200, body=b"{}", result=SAMPLES),
    "empty": Seen(total_ms=8.0, status=200, body=b"{}", result=[]),
    "scalar": Seen(total_ms=8.0, status=200, body=b"{}", result=[{"metric": {}, "value": [1.0, "42"]}]),
    "nan": Seen(total_ms=8.0, status=200, body=b"{}", result=[{"metric": {}, "value": [1.0, "NaN"]}]),
    "range": Seen(total_ms=8.0, status=200, body=b"{}", result=[{"metric": {}, "values": [[1.0, "1"]]}]),
}
PLACEHOLDER_CASES = [
    ("tcp", "[IP] == 10.0.0.7", True, ""),
    ("tcp", "[IP] == pat(10.*)", True, ""),
    ("tcp", "has([IP]) == true", True, ""),
    ("tcp", "[RESPONSE_TIME] < 100", True, ""),
    ("tcp", "[STATUS] == 200", False, "[STATUS]: no HTTP status (only http(s), prometheus endpoints have one)"),
    ("tcp", "has([STATUS]) == false", True, ""),
    ("tcp", "[DNS_RCODE] == NOERROR", False, "[DNS_RCODE]: no DNS answer (only dns:// endpoints have one)"),
    ("tcp", "[CERTIFICATE_EXPIRATION] > 7d", False, "only https and tls:// endpoints have one"),
    ("tcp", "len([RESULT]) > 0", False, "[RESULT]: no query result (only prometheus endpoints have one)"),
    ("dns", "[DNS_RCODE] == NXDOMAIN", True, ""),
    ("dns", "[dns_rcode] != NOERROR", True, ""),
    ("dns", "[DNS_RCODE] == any(NOERROR, NXDOMAIN)", True, ""),
    ("dns", "[IP] == 10.0.0.7", False, "[IP]: no address seen"),
    ("query", "[VALUE] < 0.5", True, ""),
    ("query", "[VALUE] == 0.25", True, ""),
    ("query", "[VALUE] > 0.25", False, "[VALUE] is 0.25, wanted > 0.25"),
    ("query", "len([RESULT]) == 2", True, ""),
    ("query", "[LABELS].job == api", True, ""),
    ("query", "[LABELS].instance == pat(a:*)", True, ""),
    ("query", "[labels].zone == eu", False, "[LABELS].zone: missing"),
    ("query", "[RESULT][1].metric.instance == b:9100", True, ""),
    ("empty", "len([RESULT]) == 0", True, ""),
    ("empty", "[VALUE] > 0", False, "[VALUE]: the query returned no samples"),
    ("empty", "[LABELS].job == api", False, "[LABELS].job: the query returned no samples"),
    ("scalar", "[VALUE] == 42", True, ""),
    ("scalar", "[VALUE] >= 4.2e1", True, ""),
    ("nan", "[VALUE] < 1", False, "[VALUE] is NaN, wanted < 1"),
    ("range", "[VALUE] < 1", False, "[VALUE]: the first sample has no single value"),
]


@pytest.mark.parametrize(("kind", "condition", "passes", "detail"), PLACEHOLDER_CASES,
                         ids=[f"{kind} {cond}" for kind, cond, _, _ in PLACEHOLDER_CASES])
def test_each_kind_fills_its_own_placeholders(kind, condition, passes, detail):
    verdict = parse(condition).evaluate(KINDS[kind])
    assert verdict.passed is passes, verdict.detail
    assert detail in verdict.detail


def test_a_condition_names_the_placeholders_it_reads():
    assert parse("len([BODY].items) > [STATUS]").placeholders == {"BODY", "STATUS"}
    assert parse("any(1.1.1.1, 8.8.8.8) == [ip]").placeholders == {"IP"}
    assert parse("has([LABELS].job) == true").placeholders == {"LABELS"}


def test_every_mistake_of_a_list_is_raised_at_once():
    with pytest.raises(ConditionError) as caught:
        compile_all(["[STATUS] == 200", "[BODY].status = ok", "[STAUS] == 1"], "endpoint 'api', conditions")
    error = caught.value
    assert [p.where for p in error.problems] == ["endpoint 'api', conditions #2", "endpoint 'api', conditions #3"]
    assert str(error).splitlines() == [
        "endpoint 'api', conditions #2: unknown operator '='; use one of == != <= >= < > (column 15)",
        "    [BODY].status = ok", "                  ^",
        f"endpoint 'api', conditions #3: {error.problems[1].message} (column 1)",
        "    [STAUS] == 1", "    ^"]
    assert "did you mean [STATUS]?" in error.problems[1].message


def test_validate_lists_every_bad_condition_of_a_file(tmp_path):
    config = tmp_path / "cockpit.toml"
    config.write_text(
        '[[endpoints]]\nname = "api"\nurl = "http://127.0.0.1:9/healthz"\n'
        'conditions = ["[STATUS] == 200", "[BODY].status = ok", "[STATUS] == 200 && [BODY].ok == true"]\n'
        'degraded_when = ["[RESPONSE_TIME] < fast"]\n\n'
        '[[endpoints]]\nname = "db"\nurl = "tcp://127.0.0.1:5432"\nconditions = ["[DOMAIN_EXPIRATION] > 720h"]\n')
    valid, message = validate_file(config)
    lines = message.splitlines()
    assert not valid and lines[0] == f"cockpit: error: {config}: 4 problems:"
    assert [line.split(":")[0] for line in lines[1::3]] == [
        "  endpoint 'api', conditions #2", "  endpoint 'api', conditions #3",
        "  endpoint 'api', degraded_when #1", "  endpoint 'db', conditions #1"]
    assert lines[2:4] == ["    [BODY].status = ok", "                  ^"]
