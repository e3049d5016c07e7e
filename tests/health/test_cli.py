"""``cockpit probe`` run as a real process against a real server."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

SECRET = "s3cr3t-token-value-9f8e7d"


async def cockpit(*args: str, timeout: float = 30) -> tuple[int, str, str]:
    """Run the command line in a child process while this loop keeps serving the test server."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cockpit", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


def write_config(path: Path, endpoints: list[dict]) -> Path:
    lines = []
    for endpoint in endpoints:
        lines.append("[[endpoints]]")
        for key, value in endpoint.items():
            lines.append(f"{key} = {json.dumps(value)}" if not isinstance(value, dict) else
                         f"{key} = {{ " + ", ".join(f'{k} = "{v}"' for k, v in value.items()) + " }")
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_json_document_once(fleet, tmp_path, refused_url, monkeypatch):
    monkeypatch.setenv("CHECK_TOKEN", f"Bearer {SECRET}")
    config = write_config(tmp_path / "probe.toml", [
        {"name": "payments-api", "url": fleet.url("/ok"),
         "conditions": ["[STATUS] == 200", "[BODY].status == ok"]},
        {"name": "checkout", "url": fleet.url("/ok"), "conditions": ["[BODY].db.status == up"]},
        {"name": "auth", "url": refused_url},
        {"name": "echo", "url": fleet.url("/echo-auth"), "conditions": ["[BODY] == fine"],
         "headers": {"Authorization": "env:CHECK_TOKEN"}},
    ])
    code, out, err = await cockpit("probe", "--config", str(config), "--json")
    assert code == 1, err
    document = json.loads(out)
    assert set(document) == {"endpoints", "transitions"}
    rows = {row["name"]: row for row in document["endpoints"]}
    assert list(rows) == ["payments-api", "checkout", "auth", "echo"]
    assert set(rows["payments-api"]) == {"name", "state", "latency_ms", "status", "detail", "probes"}
    assert rows["payments-api"] | {"latency_ms": None} == {
        "name": "payments-api", "state": "up", "latency_ms": None, "status": 200,
        "detail": "status 200", "probes": 1}
    assert rows["payments-api"]["latency_ms"] > 0
    assert (rows["checkout"]["state"], rows["checkout"]["detail"]) == ("down", "[BODY].db.status: missing")
    assert (rows["auth"]["state"], rows["auth"]["status"], rows["auth"]["detail"]) == (
        "down", None, "connection refused")
    transitions = {t["endpoint"]: t for t in document["transitions"]}
    assert set(transitions["auth"]) == {"at", "endpoint", "from", "to", "detail"}
    assert (transitions["auth"]["from"], transitions["auth"]["to"]) == ("unknown", "down")
    assert transitions["auth"]["at"].endswith("Z")
    assert SECRET[:8] not in out + err


async def test_human_output_and_exit_zero_when_all_up(fleet, tmp_path):
    config = write_config(tmp_path / "probe.toml", [
        {"name": "payments-api", "url": fleet.url("/ok")},
        {"name": "auth", "url": fleet.url("/ok"), "degraded_when": ["[RESPONSE_TIME] < 5000"]},
    ])
    code, out, err = await cockpit("probe", "--config", str(config))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("▲ UP        payments-api  ") and lines[0].endswith("status 200")
    assert " ms  " in lines[0]


async def test_duration_prints_transitions_as_they_happen(fleet, tmp_path):
    config = write_config(tmp_path / "probe.toml", [
        {"name": "broken", "url": fleet.url("/status/503"), "interval": "100ms"},
        {"name": "hostile", "url": fleet.url("/hostile"), "interval": "100ms",
         "conditions": ["[BODY] == calm"]},
    ])
    code, out, err = await cockpit("probe", "--config", str(config), "--duration", "1")
    assert code == 1, err
    assert "  broken  unknown → down  (status 503)" in out
    assert "▼ DOWN      broken " in out
    assert "red alert" in out and not any(ch in out for ch in "\x1b\x07\x9b")


async def test_duration_json_counts_the_checks(fleet, tmp_path):
    config = write_config(tmp_path / "probe.toml", [
        {"name": "api", "url": fleet.url("/ok"), "interval": "100ms"}])
    code, out, err = await cockpit("probe", "--config", str(config), "--duration", "1", "--json")
    assert code == 0, err
    row = json.loads(out)["endpoints"][0]
    assert row["state"] == "up" and 7 <= row["probes"] <= 11


async def test_a_config_without_endpoints_is_a_usage_error(tmp_path):
    config = tmp_path / "empty.toml"
    config.write_text("[incident]\ndefault_protocol = \"major-incident\"\n")
    code, out, err = await cockpit("probe", "--config", str(config))
    assert (code, out) == (2, "")
    assert err.startswith(f"cockpit: error: {config}: no endpoints to probe")
    assert "Traceback" not in err


async def test_a_bad_condition_is_a_usage_error_with_a_caret(tmp_path):
    config = write_config(tmp_path / "bad.toml", [
        {"name": "api", "url": "http://127.0.0.1:1/", "conditions": ["[BODY].status = ok"]}])
    code, out, err = await cockpit("probe", "--config", str(config), "--json")
    assert (code, out) == (2, "")
    first, shown, caret = err.splitlines()
    assert first.startswith(f"cockpit: error: {config}: endpoint 'api', conditions #1: unknown operator '='")
    assert (shown, caret) == ("    [BODY].status = ok", " " * 18 + "^")


async def test_a_url_without_a_host_is_a_usage_error(tmp_path):
    config = write_config(tmp_path / "bad.toml", [{"name": "api", "url": "http://"}])
    code, out, err = await cockpit("probe", "--config", str(config))
    assert (code, out) == (2, "")
    assert err.startswith(f"cockpit: error: {config}: 1 problem:")
    assert "endpoints[0]: url 'http://' names no host" in err
