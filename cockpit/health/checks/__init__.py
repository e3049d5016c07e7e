"""Checks beyond HTTP, one module per kind (docs/checks.md): ``tcp://``, ``tls://``, ``dns://``,
``icmp://``, and the reading of a Prometheus query's answer (whose request is HTTP's).

Each ``run(client, check)`` returns what it saw as a ``ProbeResult``; it may raise for a
transport failure, which ``cockpit.health.probe`` turns into the same words as HTTP's, and it
runs inside the check's total deadline that ``probe`` keeps.
"""
