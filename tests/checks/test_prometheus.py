"""``kind = "prometheus"``: queries through the HTTP check against a Prometheus-shaped API, and the
reading of Prometheus's documented answers."""

from __future__ import annotations

from cockpit.health.checks import prometheus as answers
from cockpit.health.probe import Check, Outcome, probe
from cockpit.settings import EndpointConfig

SECRET = "pr0m-token-value-7c6b5a4d"


async def query(client, server, text: str, url: str | None = None, **fields):
    endpoint = EndpointConfig(name="slo", kind="prometheus", url=url or server.base, query=text, **fields)
    return await probe(client, Check.of(endpoint))


async def test_a_vector_passes_the_default_condition(client, prometheus):
    result = await query(client, prometheus, "up")
    assert (result.outcome, result.detail, result.status) == (Outcome.OK, "2 samples", 200)
    assert prometheus.queries == ["up"]


async def test_samples_are_judged_with_the_same_conditions(client, prometheus):
    result = await query(client, prometheus, "up", conditions=["len([RESULT]) == 2", "[STATUS] == 200",
                                                               "[BODY].data.resultType == vector"])
    assert result.outcome is Outcome.OK, result.detail
    failing = await query(client, prometheus, "up", conditions=["len([RESULT]) == 3"])
    assert failing.outcome is Outcome.FAIL and "wanted == 3" in failing.detail


async def test_an_empty_result_fails_the_default_condition(client, prometheus):
    result = await query(client, prometheus, "absent_metric")
    assert result.outcome is Outcome.FAIL and "[RESULT]" in result.detail


async def test_a_scalar_is_one_sample(client, prometheus):
    result = await query(client, prometheus, "scalar(42)")
    assert (result.outcome, result.detail) == (Outcome.OK, "1 sample, value 42")


async def test_bad_promql_fails_with_prometheus_words(client, prometheus):
    result = await query(client, prometheus, "sum(rate(x[5m])")
    assert result.outcome is Outcome.FAIL and result.status == 400
    assert result.detail.startswith('Prometheus query error (status 400): bad_data: invalid parameter "query"')
    assert "parse error" in result.detail


async def test_an_overloaded_prometheus_fails_with_its_words(client, prometheus):
    result = await query(client, prometheus, "slow_query")
    assert (result.outcome, result.detail) == (
        Outcome.FAIL, "Prometheus query error (status 503): timeout: query timed out in expression evaluation")


async def test_a_server_path_is_kept_before_the_api(client, prometheus):
    result = await query(client, prometheus, "up", url=prometheus.base + "/behind/proxy/")
    assert result.outcome is Outcome.OK, result.detail


async def test_an_answer_that_is_not_prometheus_says_so(client, prometheus):
    result = await query(client, prometheus, "up", url=prometheus.base + "/not-prometheus")
    assert (result.outcome, result.detail) == (
        Outcome.FAIL, "Prometheus answered status 200, not a query result (body is not JSON)")


async def test_a_secret_header_is_sent_and_never_shown(client, prometheus, monkeypatch):
    monkeypatch.setenv("PROM_TOKEN", f"Bearer {SECRET}")
    result = await query(client, prometheus, "echo:up", headers={"Authorization": "env:PROM_TOKEN"})
    assert prometheus.authorization == [f"Bearer {SECRET}"]
    assert result.outcome is Outcome.FAIL
    assert result.detail == "Prometheus query error (status 422): execution: cannot run echo:up for ***"
    assert SECRET not in result.body_excerpt


def test_the_documented_answer_shapes():
    vector = b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"3"]}]}}'
    assert answers.read(200, vector, False) == ([{"metric": {"job": "a"}, "value": [1, "3"]}], "")
    scalar = b'{"status":"success","data":{"resultType":"scalar","result":[1.5,"7"]}}'
    assert answers.read(200, scalar, False) == ([{"metric": {}, "value": [1.5, "7"]}], "")
    string = b'{"status":"success","data":{"resultType":"string","result":[1.5,"hi"]}}'
    assert answers.read(200, string, False) == ([{"metric": {}, "value": [1.5, "hi"]}], "")
    matrix = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]]}]}}'
    assert answers.read(200, matrix, False) == ([{"metric": {}, "values": [[1, "2"]]}], "")
    error = b'{"status":"error","errorType":"bad_data","error":"1:3: parse error"}'
    assert answers.read(400, error, False) == (None, "Prometheus query error (status 400): bad_data: 1:3: parse error")
    assert answers.read(200, b'{"status":"success","data":{"resultType":"vector"}}', False)[0] is None
    assert answers.read(200, b"[]", False) == (None, "Prometheus answered status 200, not a query result")
    assert answers.read(200, vector, True) == (None, "Prometheus answer larger than body_limit")
