"""Fixtures for links on screen: a CockpitApp on a fresh incident, frozen at T0."""

from __future__ import annotations

import pytest


@pytest.fixture
def cockpit(make_session, clock):
    from cockpit.settings import load_config
    from cockpit.ui.app import CockpitApp

    def make(session=None, **kwargs):
        config = load_config()
        session = session or make_session(config=config)
        return CockpitApp(session, config=config, clock=clock, **kwargs)

    return make
