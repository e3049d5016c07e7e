"""A published postmortem, recreated through the command line at its original times.

The Google SRE book's example postmortem (Appendix D, "Shakespeare Sonnet++ Postmortem (incident
#465)", 2015-10-21, times UTC) is typed up as a team would after the fact: ``cockpit new --at``,
``cockpit log --at``, ``cockpit record … --at``, ``cockpit link``; then the postmortem is written in
retro notes, action items and the review. The report must give the book's own figures: detected
1 min after the outage began, outage 66 min, mitigated 35 min after the declaration, incident
89 min, and its nine action items with their owners, types, bugs and statuses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main

DAY = "2015-10-21T"

BEFORE = [  # (time, who, what): the book's timeline before the incident was declared
    ("14:51", "docbrown", "News reports that a new Shakespearean sonnet has been discovered"),
    ("14:53", "docbrown", "Traffic to Shakespeare search increases by 88x after a post points to it"),
]
DURING = [
    ("14:57", "docbrown", "All traffic to Shakespeare search is failing"),
    ("14:58", "docbrown", "docbrown starts investigating, finds backend crash rate very high"),
    ("15:02", "martym", "Email to shakespeare-discuss@ re sonnet discovery is at the top of martym's inbox"),
    ("15:04", "martym", "martym tracks down text of new sonnet, looks for documentation on corpus update"),
    ("15:06", "docbrown", "Crash symptoms identical across all tasks in all clusters; reading application logs"),
    ("15:07", "martym", "martym finds documentation, starts prep work for corpus update"),
    ("15:10", "martym", "martym adds sonnet to Shakespeare's known works, starts indexing job"),
    ("15:12", "docbrown", "docbrown contacts clarac and agoogler to help examine the codebase"),
    ("15:18", "clarac", "Smoking gun in logs: file descriptor exhaustion; leak when a term not in the corpus is searched"),
    ("15:20", "martym", "Index MapReduce job completes"),
    ("15:23", "docbrown", "All traffic load balanced to USA-2, so instance counts can grow elsewhere"),
    ("15:25", "martym", "Replicating new index to all clusters"),
    ("15:28", "docbrown", "Starting 2x instance count increase"),
    ("15:32", "jennifer", "Load balancing changed to increase traffic to nonsacrificial clusters"),
    ("15:33", "docbrown", "Tasks in nonsacrificial clusters start failing, same symptoms as before"),
    ("15:34", "docbrown", "Found order-of-magnitude error in whiteboard calculations for instance count"),
    ("15:36", "jennifer", "Reverted load balancing to resacrifice USA-2 before a further 5x increase"),
    ("15:39", "docbrown", "Second wave of instance count increase to 10x initial capacity"),
    ("15:41", "jennifer", "Load balancing reinstated across all clusters for 1% of traffic"),
    ("15:43", "docbrown", "Nonsacrificial clusters' HTTP 500 rates nominal, task failures intermittent"),
    ("15:45", "jennifer", "10% of traffic balanced across nonsacrificial clusters"),
    ("15:47", "docbrown", "HTTP 500 rates remain within SLO, no task failures observed"),
    ("15:50", "jennifer", "30% of traffic balanced across nonsacrificial clusters"),
    ("15:55", "jennifer", "50% of traffic balanced across nonsacrificial clusters"),
]
ACTION_ITEMS = [  # (action item, type, owner, bug, status) as published
    ("Update playbook with instructions for responding to cascading failure", "mitigate", "jennifer", "", "done"),
    ("Use flux capacitor to balance load between clusters", "prevent", "martym", "Bug 5554823", "open"),
    ("Schedule cascading failure test during next DiRT", "process", "docbrown", "", "open"),
    ("Investigate running index MR/fusion continuously", "prevent", "jennifer", "Bug 5554824", "open"),
    ("Plug file descriptor leak in search ranking subsystem", "prevent", "agoogler", "Bug 5554825", "done"),
    ("Add load shedding capabilities to Shakespeare search", "prevent", "agoogler", "Bug 5554826", "open"),
    ("Build regression tests to ensure servers respond sanely to queries of death", "prevent", "clarac",
     "Bug 5554827", "open"),
    ("Deploy updated search ranking subsystem to prod", "prevent", "jennifer", "", "done"),
    ("Freeze production until 2015-11-20 due to error budget exhaustion, or seek exception due to"
     " grotesque, unbelievable, bizarre, and unprecedented circumstances", "other", "docbrown", "", "open"),
]
WRITTEN = [  # (category, about, text): the postmortem's prose, as retro notes
    ("summary", "15:01", "Shakespeare Search down for 66 minutes during period of very high interest in"
                         " Shakespeare due to discovery of a new sonnet."),
    ("root_cause", "15:18", "Cascading failure due to combination of exceptionally high load and a resource"
                            " leak when searches failed due to terms not being in the Shakespeare corpus."),
    ("contributing", "15:18", "The newly discovered sonnet used a word that had never before appeared in"
                              " one of Shakespeare's works, which happened to be the term users searched"
                              " for. Under normal circumstances, the rate of task failures due to resource"
                              " leaks is low enough to be unnoticed."),
    ("trigger", "14:53", "Latent bug triggered by sudden increase in traffic."),
    ("resolution", "15:36", "Directed traffic to sacrificial cluster and added 10x capacity to mitigate"
                            " cascading failure. Updated index deployed, resolving interaction with latent bug."),
    ("detection", "14:55", "Borgmon detected high level of HTTP 500s and paged on-call."),
    ("went_well", "14:55", "Monitoring quickly alerted us to high rate (reaching ~100%) of HTTP 500s"),
    ("went_well", "15:36", "Rapidly distributed updated Shakespeare corpus to all clusters"),
    ("went_wrong", "15:33", "We're out of practice in responding to cascading failure"),
    ("went_wrong", "16:00", "We exceeded our availability error budget (by several orders of magnitude)"),
    ("lucky", "15:02", "Mailing list of Shakespeare aficionados had a copy of new sonnet available"),
    ("lucky", "15:18", "Server logs had stack traces pointing to file descriptor exhaustion as cause for crash"),
    ("lucky", "15:36", "Query-of-death was resolved by pushing new index containing popular search term"),
]


def at(clock: str) -> str:
    return f"{DAY}{clock}:00Z"


def run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


@pytest.fixture(scope="module")
def sonnet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The incident, typed up through the command line at the book's times."""
    home = tmp_path_factory.mktemp("sre-book")
    path = home / "sonnet.toml"
    with pytest.MonkeyPatch.context() as env:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env.setenv(name, str(home / name.lower()))
        env.delenv("COCKPIT_CONFIG", raising=False)
        env.chdir(home)
        s = str(path)
        run("new", "--title", "Shakespeare search in cascading failure", "--severity", "SEV1",
            "--session", s, "--no-ui", "--as", "docbrown", "--at", at("15:01"))
        run("record", s, "role.assigned", "role=commander", "handle=jennifer", "--as", "docbrown",
            "--at", at("15:01"))
        for who, clock in (("jennifer", "15:01"), ("martym", "15:02"), ("clarac", "15:12"), ("agoogler", "15:12")):
            run("record", s, "member.joined", f"handle={who}", "--as", who, "--at", at(clock))
        for clock, who, text in BEFORE + DURING:
            run("log", s, text, "--as", who, "--at", at(clock))
        run("record", s, "moment.marked", "moment=impact_started", "--as", "docbrown", "--at", at("14:54"))
        run("record", s, "alert.firing", "fingerprint=shakespeare-500s", "alertname=ManyHttp500s",
            "severity=critical", "summary=HTTP 500s from all clusters", "--as", "alerts", "--at", at("14:55"))
        run("record", s, "update.posted", "audience=internal", "text=Incident #465: Shakespeare search in"
            " cascading failure, coordination on #shakespeare", "--as", "jennifer", "--at", at("15:03"))
        run("record", s, "status.changed", "status=identified", "--as", "jennifer", "--at", at("15:18"))
        run("log", s, "Increase instance count enough that instances do appreciable work before dying",
            "--kind", "decision", "--as", "jennifer", "--at", at("15:21"))
        run("record", s, "moment.marked", "moment=mitigated", "--as", "jennifer", "--at", at("15:36"))
        run("record", s, "moment.marked", "moment=restored", "--as", "jennifer", "--at", at("16:00"))
        run("record", s, "status.changed", "status=monitoring", "--as", "jennifer", "--at", at("16:00"))
        run("record", s, "status.changed", "status=resolved", "--as", "jennifer", "--at", at("16:30"))
        run("record", s, "impact.assessed", "field=quantified",
            "value=Estimated 1.21B queries lost, no revenue impact", "--as", "jennifer", "--at", at("16:30"))
        run("record", s, "impact.assessed", "field=customer_facing", "value=yes", "--as", "jennifer",
            "--at", at("15:05"))
        run("record", s, "alert.resolved", "fingerprint=shakespeare-500s", "alertname=ManyHttp500s",
            "severity=critical", "summary=HTTP 500s from all clusters", "--as", "alerts", "--at", at("16:00"))
        run("record", s, "link.added", "url=https://monitor/shakespeare?end_time=20151021T160000&duration=7200",
            "label=Monitoring dashboard", "link_kind=dashboard", "--as", "jennifer", "--at", at("14:57"))
        # afterwards: the action items, the prose, the review
        for text, *_ in ACTION_ITEMS:
            run("log", s, text, "--kind", "action", "--as", "jennifer", "--at", at("16:30"))
        seqs = [e["seq"] for e in report_of(path)["followups"]]
        for seq, (_, kind, owner, bug, status) in zip(seqs, ACTION_ITEMS):
            ticket = [f"ticket={bug}"] if bug else []
            run("record", s, "action.updated", f"action={seq}", f"owner={owner}", f"type={kind}",
                f"status={status}", *ticket, "--as", "jennifer")
        for category, about, text in WRITTEN:
            run("record", s, "retro.note", f"text={text}", f"category={category}", f"about={at(about)}",
                "--as", "jennifer")
        run("record", s, "review.updated", "owner=jennifer", "reviewers=martym, agoogler",
            "date=2015-10-21", "status=reviewed", "--as", "jennifer")
    return path


def report_of(path: Path, fmt: str = "json") -> Any:
    """``cockpit report`` in a process of its own, as a reviewer runs it."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(path.parent / "xdg_config_home")}
    done = subprocess.run([sys.executable, "-m", "cockpit", "report", str(path), "--format", fmt],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout) if fmt == "json" else done.stdout


@pytest.fixture(scope="module")
def report(sonnet: Path) -> dict[str, Any]:
    return report_of(sonnet)


def test_the_published_figures(report):
    m = report["metrics"]
    assert m["time_to_detect_s"] == 1 * 60
    assert m["outage_s"] == 66 * 60
    assert m["time_to_mitigate_s"] == 35 * 60
    assert m["time_to_resolve_s"] == m["duration_s"] == 89 * 60
    assert report["postmortem"]["metrics"]["incident_s"] == 89 * 60
    assert m["time_to_acknowledge_s"] == 0
    assert {r["handle"] for r in report["responders"]} == {"docbrown", "jennifer", "martym", "clarac", "agoogler"}


def test_marked_moments_win_over_the_record_and_detection_is_inferred(report):
    moments = {k["moment"]: k for k in report["postmortem"]["moments"]}
    assert (moments["impact_started"]["at"], moments["impact_started"]["inferred"]) == (at("14:54")[:-1] + ".000Z", False)
    # the status went to monitoring at 16:00; the outage was mitigated at 15:36, as marked
    assert moments["mitigated"]["at"] == "2015-10-21T15:36:00.000Z"
    assert moments["detected"]["inferred"] and moments["detected"]["source"] == "alert ManyHttp500s"
    assert report["postmortem"]["detection"]["by"] == "alert ManyHttp500s"


def test_the_nine_action_items_as_published(report):
    items = [(a["text"], a["type"], a["owner"], a["ticket"] or "", a["status"])
             for a in report["postmortem"]["action_items"]]
    assert items == [tuple(row) for row in ACTION_ITEMS]
    assert [a["status"] for a in report["action_items"]].count("done") == 3


def test_the_sections_people_wrote(report):
    pm = report["postmortem"]
    assert pm["impact"]["quantified"] == "Estimated 1.21B queries lost, no revenue impact"
    assert pm["summary"]["notes"][0]["text"].startswith("Shakespeare Search down for 66 minutes")
    assert [n["text"] for n in pm["trigger"]["notes"]] == ["Latent bug triggered by sudden increase in traffic."]
    assert len(pm["went_well"]["notes"]) == 2 and len(pm["went_wrong"]["notes"]) == 2
    assert len(pm["lucky"]["notes"]) == 3
    assert pm["root_cause"]["gap"] is None
    assert pm["review"] == {"owner": "jennifer", "reviewers": ["martym", "agoogler"], "date": "2015-10-21",
                            "status": "reviewed"}
    assert [k["url"] for k in pm["links"]] == ["https://monitor/shakespeare?end_time=20151021T160000&duration=7200"]
    assert [c["audience"] for c in pm["communications"]] == ["internal"]
    assert pm["gaps"] == []


def test_the_decision_closes_choose_a_mitigation(report):
    step = next(s for s in report["protocol"]["steps"] if s["id"] == "mitigate")
    assert (step["state"], step["by"]) == ("done", "cockpit")
    assert "mitigate" not in [s["id"] for s in report["protocol"]["not_done"]]


def test_the_markdown_reads_like_the_book(sonnet):
    out = report_of(sonnet, "md")
    assert "**Status:** reviewed · **Owner:** jennifer · **Reviewers:** martym, agoogler" in out
    assert "| Outage (impact started → service restored) | 1h 06m 00s |" in out
    assert "| Time to detect (impact started → detected) | 1m 00s |" in out
    assert "| Plug file descriptor leak in search ranking subsystem | prevent | agoogler | — | — |" \
           " Bug 5554825 | DONE |" in out
    assert "Estimated 1.21B queries lost, no revenue impact" in out
    assert "| ManyHttp500s | critical | HTTP 500s from all clusters | 14:55:00 | 1h 05m 00s (until 16:00:00) | — |" in out
    lessons = out.split("## Lessons learned")[1].split("## Supporting information")[0]
    assert lessons.index("### What went well") < lessons.index("Monitoring quickly alerted us") \
        < lessons.index("### Where we got lucky") < lessons.index("Query-of-death was resolved")
    assert "## What the record does not say yet" not in out
