"""``kind = "prometheus"``: reading the answer of ``GET {url}/api/v1/query?query=…`` (the request
itself is an HTTP check's, with its headers and ``env:`` secrets).

Prometheus's documented answer (https://prometheus.io/docs/prometheus/latest/querying/api/)::

    {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {…}, "value": [ts, "1"]}]}}
    {"status": "error", "errorType": "bad_data", "error": "1:5: parse error: …"}

``[RESULT]`` is the list of samples: a vector's as they are, a matrix's series as they are
(``values`` instead of ``value``), a scalar or a string as one sample with an empty metric.
An error answer (bad PromQL, 400, 422, 503) fails the check with Prometheus's own words.
"""

from __future__ import annotations

import json
from typing import Any

_ONE_VALUE = ("scalar", "string")
_SERIES = ("vector", "matrix")


def read(status: int, body: bytes, truncated: bool) -> tuple[list[dict] | None, str]:
    """The samples, or None and why (to be cleaned before anyone sees it)."""
    if truncated:
        return None, "Prometheus answer larger than body_limit"
    try:
        answer: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None, f"Prometheus answered status {status}, not a query result (body is not JSON)"
    if not isinstance(answer, dict):
        return None, f"Prometheus answered status {status}, not a query result"
    if answer.get("status") == "error":
        kind, error = answer.get("errorType"), answer.get("error")
        words = ": ".join(str(part) for part in (kind, error) if part)
        return None, f"Prometheus query error (status {status}): {words or 'no reason given'}"
    data = answer.get("data")
    if answer.get("status") != "success" or not isinstance(data, dict):
        return None, f"Prometheus answered status {status}, not a query result"
    kind, result = data.get("resultType"), data.get("result")
    if kind in _SERIES and isinstance(result, list) and all(isinstance(s, dict) for s in result):
        return result, ""
    if kind in _ONE_VALUE and isinstance(result, list) and len(result) == 2:
        return [{"metric": {}, "value": result}], ""
    return None, f"Prometheus answered an unknown result ({kind!r})"


def passed(result: list[dict]) -> str:
    if len(result) == 1 and "value" in result[0] and isinstance(result[0]["value"], list):
        return f"1 sample, value {result[0]['value'][-1]}"
    return f"{len(result)} samples"
