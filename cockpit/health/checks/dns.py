"""``dns://server[:port]`` with ``dns = {query_name, query_type}``: one query (dnspython) at that
server, over UDP, again over TCP when the answer comes back truncated, as in Gatus.

``[DNS_RCODE]`` (NOERROR, NXDOMAIN, SERVFAIL…), ``[BODY]`` (the first answer: an address for A
and AAAA, the target for CNAME, NS, PTR, SRV and MX, the text of TXT), ``[IP]`` (the first A or
AAAA answer), ``[RESPONSE_TIME]``, ``[CONNECTED]``. A server that never answers is cut at the
check's deadline.
"""

from __future__ import annotations

import asyncio
import socket
import time

import dns.asyncquery
import dns.inet
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from cockpit.health.check import Check
from cockpit.health.observation import Seen, judge
from cockpit.health.outcome import ProbeResult, clean
from cockpit.health.transport import ProbeClient

_ADDRESSES = (dns.rdatatype.A, dns.rdatatype.AAAA)


async def run(client: ProbeClient, check: Check) -> ProbeResult:
    question = check.endpoint.dns
    assert question is not None and check.port is not None  # settings require both for dns://
    server = await _server_address(check.host, check.port)
    query = dns.message.make_query(question.query_name, question.query_type)
    started = time.perf_counter()
    answer, _ = await dns.asyncquery.udp_with_fallback(query, server, timeout=check.timeout,
                                                       port=check.port)
    total_ms = (time.perf_counter() - started) * 1000
    rcode = dns.rcode.to_text(answer.rcode())
    first = first_answer(answer.answer)
    seen = Seen(total_ms=total_ms, body=first.encode(), dns_rcode=rcode, ip=first_address(answer.answer))
    outcome, detail = judge(check.conditions, check.degraded_when, seen,
                            f"{rcode}, {first}" if first else rcode)
    return ProbeResult(outcome, clean(detail), total_ms=total_ms,
                       body_excerpt=clean(first) if first else "")


async def _server_address(host: str, port: int) -> str:
    """dnspython asks an address; a server named by host name is looked up first."""
    if dns.inet.is_address(host):
        return host
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    return str(found[0][4][0])


def first_answer(rrsets: list[dns.rrset.RRset]) -> str:
    """The first record of the answer as Gatus gives it in ``[BODY]``, '' when there is none."""
    for rrset in rrsets:
        for rdata in rrset:
            kind = rdata.rdtype
            if kind in _ADDRESSES:
                return str(rdata.address)
            if kind in (dns.rdatatype.CNAME, dns.rdatatype.NS, dns.rdatatype.PTR,
                        dns.rdatatype.DNAME, dns.rdatatype.SRV):
                return rdata.target.to_text()
            if kind == dns.rdatatype.MX:
                return rdata.exchange.to_text()
            if kind == dns.rdatatype.TXT:
                return b"".join(rdata.strings).decode("utf-8", errors="replace")
            return rdata.to_text()
    return ""


def first_address(rrsets: list[dns.rrset.RRset]) -> str | None:
    return next((str(rdata.address) for rrset in rrsets if rrset.rdtype in _ADDRESSES
                 for rdata in rrset), None)
