"""The cyclic garbage collector, kept off the path of the keys.

An open incident holds a few hundred thousand long-lived objects (the fold, the events, the
widgets, the loaded libraries) and makes many short-lived ones (every frame's strips and
segments). Python's collector walks every tracked object on its full passes, and those come
round every few seconds of drawing: on a drill session one took 60 ms in the middle of drawing
the entry bar, on a 50,000-event session several hundred; the key that waited for it was the
answer a lead saw late.

The objects built while an incident is read and first shown live as long as the screen, and the
events hold no cycles. So the collector is paused while they are built (``paused``), and once
they are in place they are set aside from its passes (``settle``): the passes then walk only
what was made since, and cost what the frames make.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector paused while a state of many small objects is built (they hold no cycles):
    its passes over them cost a quarter of a big fold."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def settle() -> None:
    """What is alive now lives on: the young garbage is collected (a pass over the young
    generations, about a millisecond), then everything left is moved out of the collector's
    passes (``gc.freeze``). Called when a screen has been built, and again after a big read
    (a session's earlier events): each call sets aside only what was added since the last."""
    gc.collect(1)
    gc.freeze()


def leaving() -> None:
    """The process is about to end: what lives now is set aside, so that the interpreter's last
    collection, at shutdown, does not walk it (after a cold ``cockpit status`` on a 100,000-event
    session, about a million objects: 40 ms of the command's time)."""
    gc.freeze()
