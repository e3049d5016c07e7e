"""``cockpit probe`` for every kind of endpoint, and a reader that leaves early."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.health.test_cli import cockpit, write_config


async def test_probe_once_json_checks_every_kind(tmp_path, monkeypatch, authorities, tcp_server,
                                                 tls_servers, dns_server, prometheus):
    monkeypatch.setenv("SSL_CERT_FILE", str(authorities["trusted"][0]))  # the child trusts the test CA
    config = write_config(tmp_path / "kinds.toml", [
        {"name": "db", "url": f"tcp://127.0.0.1:{tcp_server.port}"},
        {"name": "edge", "url": f"tls://127.0.0.1:{tls_servers['trusted']}",
         "conditions": ["[CERTIFICATE_EXPIRATION] > 24h"]},
        {"name": "resolver", "url": f"dns://127.0.0.1:{dns_server.port}",
         "dns": {"query_name": "up.test", "query_type": "A"}},
        {"name": "gateway", "url": "icmp://127.0.0.1"},
        {"name": "slo", "kind": "prometheus", "url": prometheus.base, "query": "up"},
    ])
    code, out, err = await cockpit("probe", "--once", "--json", "--config", str(config))
    rows = {row["name"]: row for row in json.loads(out)["endpoints"]}
    if rows["gateway"]["state"] == "unknown" and rows["gateway"]["detail"].startswith("ICMP is not permitted"):
        del rows["gateway"]  # this system allows no ICMP at all: the check says so (tests/checks/test_icmp.py)
    else:
        assert rows["gateway"]["detail"].startswith("echo reply from 127.0.0.1")
    assert {name: row["state"] for name, row in rows.items()} == dict.fromkeys(rows, "up"), rows
    assert rows["db"]["detail"] == "connected to 127.0.0.1" and rows["db"]["status"] is None
    assert rows["edge"]["detail"].startswith("TLS to 127.0.0.1, certificate expires in ")
    assert rows["resolver"]["detail"] == "NOERROR, 10.1.2.3"
    assert (rows["slo"]["detail"], rows["slo"]["status"]) == ("2 samples", 200)
    assert code == (0 if "gateway" in rows else 1), err
    assert err == ""


def _many_refused(tmp_path, free_port: int, count: int = 600):
    """Enough endpoints that the JSON document is larger than a pipe holds."""
    return write_config(tmp_path / "many.toml", [
        {"name": f"svc-{i:03}", "url": f"tcp://127.0.0.1:{free_port}", "timeout": "500ms"}
        for i in range(count)])


def _reader_leaves(args: list[str], take: int) -> tuple[int, str, float]:
    """Run the command line, read ``take`` bytes of its output and close the pipe like ``head``."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "cockpit", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(take)
    process.stdout.close()
    err = process.stderr.read().decode()
    code = process.wait(timeout=60)
    return code, err, time.monotonic() - started


def test_json_into_a_reader_that_leaves_early_says_nothing(tmp_path, free_port):
    code, err, _ = _reader_leaves(["probe", "--once", "--json", "--config",
                                   str(_many_refused(tmp_path, free_port))], take=10)
    assert err == ""  # no "Broken pipe", no traceback
    assert code == 1  # still the checks' verdict: they are all down


def test_live_transitions_stop_polling_when_the_reader_leaves(tmp_path, free_port):
    code, err, seconds = _reader_leaves(["probe", "--duration", "60", "--config",
                                         str(_many_refused(tmp_path, free_port))], take=1)
    assert err == "" and code == 1
    assert seconds < 50  # it did not poll on for the whole minute nobody would read
