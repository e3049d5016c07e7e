"""The receiver fails over with the poller lease: one seat listens at a time, and when it goes
(leaving, or killed) the next holder binds the port and carries on without recording twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from cockpit.session import Session
from cockpit.settings import AlertSettings
from tests.alerts.conftest import WAIT, Receiving, alert, free_port, notification, until

WORKER = Path(__file__).with_name("receiver_worker.py")


async def test_the_next_lease_holder_receives_when_the_first_seat_leaves(make_session, tmp_path):
    settings = AlertSettings(listen=f"127.0.0.1:{free_port()}")
    first = await Receiving(make_session(), settings).start()
    second = Receiving(Session.open(tmp_path / "incident.toml", handle="bob"), settings)
    second.seat.start_polling(None, alerts=settings)
    assert (await first.post(notification(alert("aaa"))))[1]["recorded"] == 1
    assert not second.seat.polling and not second.seat.receiver.listening

    await first.close()
    await until(lambda: second.seat.receiver.listening, "the second seat to take over the port")
    # Alertmanager resends the group: already known, whoever recorded it
    assert (await second.post(notification(alert("aaa"), alert("bbb"))))[1]["recorded"] == 1
    assert (await second.post(notification(alert("aaa", "resolved"), alert("bbb"))))[1]["recorded"] == 1
    recorded = [(e.kind, e.fingerprint, e.by) for e in second.alerts_recorded()]
    assert recorded == [("alert.firing", "aaa", "alerts"), ("alert.firing", "bbb", "alerts"),
                        ("alert.resolved", "aaa", "alerts")]
    assert second.notices == []
    await second.close()


async def test_a_receiving_seat_killed_hands_the_port_to_the_next(make_session, tmp_path):
    session = make_session()
    listen = f"127.0.0.1:{free_port()}"
    worker = subprocess.Popen([sys.executable, str(WORKER), str(session.path), "carol", listen],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        line = await asyncio.wait_for(asyncio.to_thread(worker.stdout.readline), WAIT)
        assert line.strip() == "listening"
        here = Receiving(session, AlertSettings(listen=listen))
        here.seat.start_polling(None, alerts=here.settings)
        assert (await here.post(notification(alert("aaa"))))[1]["recorded"] == 1  # carol's seat

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(WAIT)
        await until(lambda: here.seat.receiver.listening, "this seat to take over the port")
        assert (await here.post(notification(alert("aaa"))))[1]["recorded"] == 0
        here.seat.follow()
        assert [(e.kind, e.by) for e in here.alerts_recorded()] == [("alert.firing", "alerts")]
        await here.close()
    finally:
        worker.kill()
        worker.wait(WAIT)
