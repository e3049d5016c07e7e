"""The PostgreSQL journal tests' server (``tests/pg/server.py``): one per test process (session
scope). The tests are in one xdist group, so ``--dist loadgroup`` runs them on one worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg.server import Server, running


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    try:
        with running() as server:
            yield server
    except LookupError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_server: Server) -> str:
    """A fresh database with the cockpit's tables, reached as the least-privileged role."""
    return pg_server.url(pg_server.new_database())
