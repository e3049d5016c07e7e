"""A seat without a screen that receives alerts, run as a real process by the failover test.

``python receiver_worker.py SESSION HANDLE LISTEN``: joins the session, waits for the poller lease,
receives Alertmanager's webhook on LISTEN; prints ``listening`` (flushed) once the port is bound,
then runs until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from cockpit.seat import Seat
from cockpit.session import Session
from cockpit.settings import AlertSettings


async def main(path: str, handle: str, listen: str) -> None:
    seat = Seat(Session.open(path, handle=handle), say=lambda notice: print("notice", notice.text, flush=True))
    seat.join()
    seat.start_polling(None, alerts=AlertSettings(listen=listen))
    while not seat.receiver.listening:
        await asyncio.sleep(0.02)
    print("listening", flush=True)
    while True:
        seat.follow()
        await asyncio.sleep(0.25)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
