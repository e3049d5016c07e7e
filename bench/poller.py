"""Health poller benchmark: how many checks per second the Monitor sustains, and at what cost.

A loopback aiohttp server runs in its own process (so the poller keeps its core), answering
``{"status": "ok"}`` on 200 endpoints spread over 10 ports. In the same run it measures:

* checks/s of the Monitor (200 endpoints asked for every 25 ms, more than it can serve, 64 checks
  in flight, conditions ``[STATUS] == 200`` and ``[BODY].status == ok``) over the httpx+aiohttp
  transport and over plain httpx, each beside a raw aiohttp loop doing the same requests flat
  out (the reference, as a ratio); also the poller's CPU time per check, the steadier figure on
  a shared machine: when other work holds the cores, checks/s follows the load;
* false failures: checks of these healthy endpoints that did not come out OK;
* start lag (scheduled start → actual start) at 200 checks/s, p50 and p99;
* a mixed fleet, flat out like the throughput phase: 50 HTTP, 50 TCP (connect to the same
  ports), 50 DNS (a UDP responder in the server process) and 50 Prometheus queries (a
  Prometheus-shaped ``/api/v1/query`` on the same server), in checks/s per kind and CPU per check;
* resident memory of a fresh process monitoring 1,000 endpoints, beside the same process
  before it starts (the interpreter with its imports).

Goals: >= 1,000 checks/s and >= 0.3x raw aiohttp; zero false failures; p99 start lag < 100 ms;
< 100 MB RSS with 1,000 endpoints. The whole run stays under a minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import dns.message  # noqa: E402
import dns.rrset  # noqa: E402
from aiohttp import web  # noqa: E402

from cockpit.domain.durations import parse_duration  # noqa: E402
from cockpit.health.monitor import Monitor  # noqa: E402
from cockpit.health.probe import Outcome  # noqa: E402
from cockpit.settings import EndpointConfig  # noqa: E402

PORTS = 10
ENDPOINTS = 200
MEASURE_SECONDS = 4.0
IN_FLIGHT = 64
CONDITIONS = ("[STATUS] == 200", "[BODY].status == ok")
SATURATING = timedelta(milliseconds=25)
"""The throughput phase asks for every endpoint every 25 ms (8,000 checks/s), below the config
floor of 100 ms, so that the Monitor runs flat out like the raw loop and the ratio compares
capacities; ticks it cannot serve are dropped, as always."""


# -- the server (its own process) ---------------------------------------------------------------


PROMETHEUS_ANSWER = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {"__name__": "up", "job": "api"}, "value": [1764640000.5, "1"]}]}}).encode()


class _Resolver(asyncio.DatagramProtocol):
    """Answers every A question with 10.0.0.1."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        answer = dns.message.make_response(query)
        answer.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", "10.0.0.1"))
        self.transport.sendto(answer.to_wire(), addr)


def serve() -> None:
    """Answer on PORTS loopback ports (and DNS on one more) until stdin closes; print the ports
    first, the DNS port last."""

    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=b'{"status": "ok"}', content_type="application/json")

    async def query(request: web.Request) -> web.Response:
        return web.Response(body=PROMETHEUS_ANSWER, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/svc/{n}", ok)
        app.router.add_get("/prom/{n}/api/v1/query", query)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        ports = []
        for _ in range(PORTS):
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])
        resolver, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            _Resolver, local_addr=("127.0.0.1", 0))
        ports.append(resolver.get_extra_info("sockname")[1])
        print(" ".join(map(str, ports)), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()

    asyncio.run(main())


def urls(ports: list[int], count: int) -> list[str]:
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/svc/{i}" for i in range(count)]


def endpoints(ports: list[int], count: int, interval: str | timedelta) -> list[EndpointConfig]:
    configs = [EndpointConfig(name=f"svc-{i:04}", url=url, timeout="2s", conditions=CONDITIONS)
               for i, url in enumerate(urls(ports, count))]
    return [c.model_copy(update={"interval": parse_duration(interval)}) for c in configs]


MIXED_KINDS = ("http", "tcp", "dns", "prometheus")


def mixed_endpoints(ports: list[int], dns_port: int, count: int) -> list[EndpointConfig]:
    """``count`` endpoints, a quarter of each kind, judged with conditions Gatus would take."""
    configs = []
    for i in range(count):
        kind, port, name = MIXED_KINDS[i % 4], ports[i % len(ports)], f"mix-{i:04}"
        if kind == "http":
            configs.append(EndpointConfig(name=name, url=f"http://127.0.0.1:{port}/svc/{i}",
                                          conditions=CONDITIONS))
        elif kind == "tcp":
            configs.append(EndpointConfig(name=name, url=f"tcp://127.0.0.1:{port}",
                                          conditions=["[CONNECTED] == true"]))
        elif kind == "dns":
            configs.append(EndpointConfig(name=name, url=f"dns://127.0.0.1:{dns_port}",
                                          dns={"query_name": f"svc-{i}.bench", "query_type": "A"},
                                          conditions=["[BODY] == 10.0.0.1"]))
        else:
            configs.append(EndpointConfig(name=name, kind="prometheus", url=f"http://127.0.0.1:{port}/prom/{i}",
                                          query="up", conditions=["[BODY].data.result[0].value[1] == 1"]))
    return [c.model_copy(update={"interval": SATURATING}) for c in configs]


# -- measurements -------------------------------------------------------------------------------


async def raw_aiohttp(targets: list[str], seconds: float) -> tuple[float, float]:
    """The reference: bare aiohttp, same requests, same concurrency, same JSON check."""
    done = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(offset: int) -> None:
            nonlocal done
            index = offset
            while time.perf_counter() < deadline:
                async with session.get(targets[index % len(targets)]) as response:
                    body = await response.read()
                    assert response.status == 200 and json.loads(body)["status"] == "ok"
                done += 1
                index += IN_FLIGHT

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(k) for k in range(IN_FLIGHT)))
        return done / (time.perf_counter() - started), (time.process_time() - cpu) / done * 1e6


async def monitor_rate(ports: list[int], transport: str) -> tuple[float, float, int, int]:
    """Checks/s of the Monitor once its first round is behind it, and CPU µs per check;
    also how many of all its checks were not OK, of how many."""
    monitor = Monitor(endpoints(ports, ENDPOINTS, SATURATING), lambda event: None,
                      max_in_flight=IN_FLIGHT, transport=transport)
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(1.0)
    before, started, cpu = monitor.probes_made, time.perf_counter(), time.process_time()
    await asyncio.sleep(MEASURE_SECONDS)
    made = monitor.probes_made - before
    rate, cpu_us = made / (time.perf_counter() - started), (time.process_time() - cpu) / made * 1e6
    monitor.stop()
    await task
    return rate, cpu_us, monitor.probes_made - monitor.outcomes[Outcome.OK], monitor.probes_made


async def mixed_rate(ports: list[int], dns_port: int) -> tuple[dict[str, float], float, int, int]:
    """Checks/s per kind of the mixed fleet, flat out; CPU µs per check; not OK, of how many."""
    fleet = mixed_endpoints(ports, dns_port, ENDPOINTS)
    kinds = {e.name: e.kind or "http" for e in fleet}
    monitor = Monitor(fleet, lambda event: None, max_in_flight=IN_FLIGHT)
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(1.0)
    before, started, cpu = monitor.snapshot(), time.perf_counter(), time.process_time()
    made_before = monitor.probes_made
    await asyncio.sleep(MEASURE_SECONDS)
    after, elapsed = monitor.snapshot(), time.perf_counter() - started
    made = monitor.probes_made - made_before
    cpu_us = (time.process_time() - cpu) / made * 1e6
    monitor.stop()
    await task
    rates = dict.fromkeys(MIXED_KINDS, 0.0)
    for name, view in after.items():
        rates[kinds[name]] += (view.probes - before[name].probes) / elapsed
    return rates, cpu_us, monitor.probes_made - monitor.outcomes[Outcome.OK], monitor.probes_made


async def start_lag(ports: list[int]) -> tuple[float, float, float, int]:
    """Scheduled → actual start at 200 checks/s (200 endpoints every second): p50, p99, rate."""
    monitor = Monitor(endpoints(ports, ENDPOINTS, "1s"), lambda event: None, max_in_flight=IN_FLIGHT)
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(MEASURE_SECONDS + 1)
    monitor.stop()
    await task
    lags = sorted(monitor.start_lags_ms)
    p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
    return statistics.median(lags), p99, monitor.probes_made / (MEASURE_SECONDS + 1), \
        monitor.probes_made - monitor.outcomes[Outcome.OK]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(ports: list[int]) -> None:
    """In a fresh process: RSS before and while monitoring 1,000 endpoints (every second)."""
    baseline = rss_mb()

    async def main() -> tuple[int, int]:
        monitor = Monitor(endpoints(ports, 1000, "1s"), lambda event: None, max_in_flight=IN_FLIGHT)
        task = asyncio.create_task(monitor.run())
        await asyncio.sleep(3.5)
        monitor.stop()
        await task
        return monitor.probes_made, monitor.probes_made - monitor.outcomes[Outcome.OK]

    probes, not_ok = asyncio.run(main())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"baseline_mb": baseline, "peak_mb": peak, "probes": probes, "not_ok": not_ok}))


def measure_memory(ports: list[int]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--memory", *map(str, ports)],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return json.loads(out)


# -- the report ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "goal met" if ok else "GOAL MISSED"


def main() -> None:
    began = time.perf_counter()
    load = os.getloadavg()
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        *ports, dns_port = [int(p) for p in server.stdout.readline().split()]
        targets = urls(ports, ENDPOINTS)

        async def measure() -> dict:
            return {
                "raw": await raw_aiohttp(targets, MEASURE_SECONDS),
                "aiohttp": await monitor_rate(ports, "aiohttp"),
                "httpx": await monitor_rate(ports, "httpx"),
                "lag": await start_lag(ports),
                "mixed": await mixed_rate(ports, dns_port),
            }

        figures = asyncio.run(measure())
        mem = measure_memory(ports)
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    raw, raw_cpu = figures["raw"]
    rate, cpu, not_ok, checks = figures["aiohttp"]
    plain, plain_cpu, plain_not_ok, plain_checks = figures["httpx"]
    lag_p50, lag_p99, lag_rate, lag_not_ok = figures["lag"]
    load = ", ".join(f"{value:.1f}" for value in load)
    print(f"poller: {ENDPOINTS} loopback endpoints on {PORTS} ports, {IN_FLIGHT} checks in flight, "
          f"server in its own process; {os.cpu_count()} cores, load average {load} at the start")
    print(f"  raw aiohttp loop (reference)      {raw:7.0f} checks/s          {raw_cpu:5.0f} µs CPU/check")
    print(f"  Monitor, httpx + aiohttp (default){rate:7.0f} checks/s  {rate / raw:4.2f}x raw  "
          f"{cpu:5.0f} µs CPU/check ({raw_cpu / cpu:4.2f}x raw)  "
          f"{verdict(rate >= 1000 and rate >= 0.3 * raw)} (>= 1,000/s and >= 0.3x)")
    print(f"  Monitor, plain httpx              {plain:7.0f} checks/s  {plain / raw:4.2f}x raw  "
          f"{plain_cpu:5.0f} µs CPU/check ({raw_cpu / plain_cpu:4.2f}x raw)  "
          f"({plain_not_ok} of {plain_checks} checks not OK)")
    false_failures = not_ok + lag_not_ok + mem["not_ok"]
    total = checks + int(lag_rate * (MEASURE_SECONDS + 1)) + mem["probes"]
    print(f"  false failures (default transport){false_failures:7d} of {total} checks  "
          f"{verdict(false_failures == 0)} (zero)")
    print(f"  start lag at {lag_rate:.0f} checks/s          p50 {lag_p50:5.1f} ms  p99 {lag_p99:5.1f} ms  "
          f"{verdict(lag_p99 < 100)} (p99 < 100 ms)")
    mixed, mixed_cpu, mixed_not_ok, mixed_checks = figures["mixed"]
    per_kind = ", ".join(f"{kind} {rate:.0f}" for kind, rate in mixed.items())
    print(f"  Monitor, mixed fleet              {sum(mixed.values()):7.0f} checks/s  "
          f"{sum(mixed.values()) / raw:4.2f}x raw  {mixed_cpu:5.0f} µs CPU/check  ({per_kind}; "
          f"{mixed_not_ok} of {mixed_checks} checks not OK)")
    print(f"  RSS, 1,000 endpoints              {mem['peak_mb']:7.1f} MB peak  "
          f"(interpreter with imports {mem['baseline_mb']:.1f} MB, "
          f"{mem['peak_mb'] / mem['baseline_mb']:.2f}x)  {verdict(mem['peak_mb'] < 100)} (< 100 MB)")
    print(f"  whole run {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve()
    elif sys.argv[1:2] == ["--memory"]:
        memory([int(p) for p in sys.argv[2:]])
    else:
        main()
