"""The real monitoring chain for the chain test: the drill fleet on a thread of its own, a real
Prometheus scraping it and a real Alertmanager delivering to the cockpit, each a process on
loopback with its files in the test's folder.

The Debian packages ``prometheus`` and ``prometheus-alertmanager`` provide the binaries (``.ci/run``
installs them). Without them the test is skipped on a workstation and fails in CI (``CI`` set),
where a skip would hide that the chain was never tried.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cockpit.drill.fleet import Fleet, ScenarioClock
from cockpit.drill.scenario import Scenario

PROMETHEUS = "/usr/bin/prometheus"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
READY_SECONDS = 60.0


def need(binary: str, package: str) -> str:
    if shutil.which(binary) is None:
        message = f"needs {binary} (apt-get install {package}; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


class Process:
    """A server process with its output in a log file; ``ready`` waits for its readiness URL."""

    def __init__(self, name: str, command: list[str], log: Path, ready_url: str) -> None:
        self.name = name
        self.log = log
        self.ready_url = ready_url
        self._out = log.open("wb")
        self.proc = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=log.parent)

    def ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if get(self.ready_url, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} not ready within {READY_SECONDS:g}s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()


def start_prometheus(folder: Path, port: int, targets: list[str], alertmanager: str) -> Process:
    """Scrapes ``targets`` (host:port, ``/metrics``) every second; one rule fires as soon as a
    fleet service reports itself failing, and goes to ``alertmanager``."""
    folder.mkdir()
    (folder / "rules.yml").write_text(
        "groups:\n"
        "  - name: fleet\n"
        "    interval: 1s\n"
        "    rules:\n"
        "      - alert: FleetServiceFailing\n"
        "        expr: drill_service_up == 0\n"
        "        labels:\n"
        "          severity: critical\n"
        "        annotations:\n"
        "          summary: '{{ $labels.service }} is failing'\n"
        "          description: 'Every health request to {{ $labels.service }} fails.'\n"
        "          runbook_url: https://runbooks.example/fleet-service-failing\n")
    (folder / "prometheus.yml").write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "rule_files: [rules.yml]\n"
        "alerting:\n"
        "  alertmanagers:\n"
        f"    - static_configs: [{{targets: ['{alertmanager}']}}]\n"
        "scrape_configs:\n"
        "  - job_name: fleet\n"
        "    metrics_path: /metrics\n"
        f"    static_configs: [{{targets: {targets!r}}}]\n")
    return Process("prometheus", [
        need(PROMETHEUS, "prometheus"), f"--config.file={folder / 'prometheus.yml'}",
        f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url=http://127.0.0.1:{port}/",
        "--rules.alert.resend-delay=1s", "--log.level=warn",
    ], folder / "prometheus.log", f"http://127.0.0.1:{port}/-/ready")


def start_alertmanager(folder: Path, port: int, webhook: str, token_file: Path) -> Process:
    """Delivers at once (``group_wait: 0s``) and repeats every 2 s while an alert fires, with
    the bearer token read from ``token_file``. Clustering is off: nothing listens beyond loopback."""
    folder.mkdir()
    (folder / "alertmanager.yml").write_text(
        "route:\n"
        "  receiver: cockpit\n"
        "  group_by: [alertname]\n"
        "  group_wait: 0s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 2s\n"
        "receivers:\n"
        "  - name: cockpit\n"
        "    webhook_configs:\n"
        f"      - url: {webhook}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials_file: {token_file}\n")
    return Process("alertmanager", [
        need(ALERTMANAGER, "prometheus-alertmanager"), f"--config.file={folder / 'alertmanager.yml'}",
        f"--storage.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=", "--log.level=warn",
    ], folder / "alertmanager.log", f"http://127.0.0.1:{port}/-/ready")


class FleetThread:
    """The drill fleet of ``scenario`` serving on a thread of its own, as it does in a drill."""

    def __init__(self, scenario: Scenario) -> None:
        self.fleet = Fleet(scenario, clock=ScenarioClock(1.0))
        self._loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),),
                                        name="fleet", daemon=True)

    def start(self) -> FleetThread:
        self._thread.start()
        assert self._ready.wait(READY_SECONDS), "the fleet did not start"
        return self

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        async with self.fleet:
            self._ready.set()
            await self._stopping.wait()

    def stop(self) -> None:
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)
        self._loop.close()
