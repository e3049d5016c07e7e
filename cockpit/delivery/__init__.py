"""Delivering status updates to the places each audience reads them.

An update, once recorded (``update.posted``), goes to every configured destination of its
audience (``[[updates.destinations]]``, docs/updates.md): one module per kind turns it into that
destination's request (:mod:`.slack`, :mod:`.teams`, :mod:`.webhook`, :mod:`.email`,
:mod:`.statuspage`, :mod:`.file`, :mod:`.command`), and :class:`Deliveries`, owned by the seat,
sends it in the background, retries what failed and records each attempt (``update.delivered``).
"""

from cockpit.delivery.attempt import NotSent, Sent, Update
from cockpit.delivery.dispatch import Deliveries, send_once

__all__ = ["Deliveries", "NotSent", "Sent", "Update", "send_once"]
