"""Fixtures for paging: the pager services on loopback, their keys in the environment, and
``[paging]`` settings that point at them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.settings import PagingSettings
from tests.paging.receivers import OPSGENIE_KEY, Receivers

ROUTING_KEYS = {
    "PD_DEFAULT": "d" * 32,
    "PD_BOB": "b" * 32,
    "PD_OPS": "0" * 32,
    "PD_SHORT": "too-short",
}


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    running = Receivers().start()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def pager_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ROUTING_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPSGENIE_KEY", OPSGENIE_KEY)
    monkeypatch.setenv("OPSGENIE_WRONG_KEY", "not-the-key")


def pagerduty(receivers: Receivers, **changes: object) -> PagingSettings:
    table = {"url": receivers.url("pagerduty"), "routing_key": "env:PD_DEFAULT",
             "routing_keys": {"bob": "env:PD_BOB", "ops": "env:PD_OPS"}}
    table.update(changes.pop("table", {}))  # type: ignore[arg-type]
    return PagingSettings.model_validate({"pagerduty": table, "timeout": "5s", **changes})


def opsgenie(receivers: Receivers, **changes: object) -> PagingSettings:
    table = {"url": receivers.url("opsgenie"), "api_key": "env:OPSGENIE_KEY",
             "responders": {"bob": ["user:bob@example.com"], "ops": ["team:Platform Ops"]},
             "default_responders": ["team:SRE"]}
    table.update(changes.pop("table", {}))  # type: ignore[arg-type]
    return PagingSettings.model_validate({"opsgenie": table, "timeout": "5s", **changes})


def pager_script(folder: Path, body: str) -> list[str]:
    """A paging program: Python ``body`` run with the page's JSON in ``page``."""
    script = folder / "page-someone.py"
    script.write_text("import json, sys\npage = json.load(sys.stdin)\n" + body)
    return [sys.executable, str(script)]


@pytest.fixture
def cockpit_with(make_session, clock):
    """A CockpitApp on a fresh declared incident, frozen at T0, with the given ``[paging]``."""
    from cockpit.settings import load_config
    from cockpit.ui.app import CockpitApp

    def make(paging: PagingSettings, **kwargs):
        config = load_config().model_copy(update={"paging": paging})
        session = make_session(config=config)
        return CockpitApp(session, config=config, clock=clock, **kwargs)

    return make
