"""The garbage collector is kept off the keys' path: what lives as long as the screen is set
aside from its passes, and garbage made meanwhile is still collected."""

from __future__ import annotations

import gc
import weakref

from cockpit import collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_what_is_alive_at_settling_is_left_out_of_the_passes_and_new_garbage_still_goes():
    kept = [Node() for _ in range(1000)]
    frozen_before = gc.get_freeze_count()
    collector.settle()
    assert gc.get_freeze_count() >= frozen_before + len(kept)  # the passes no longer walk them
    made_after = Node()
    gone = weakref.ref(made_after)
    del made_after
    gc.collect()
    assert gone() is None  # what the frames make is still collected
    assert all(node.me is node for node in kept)


def test_young_garbage_is_collected_before_it_is_set_aside():
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    collector.settle()
    assert gone() is None  # not kept for good with the long-lived


def test_paused_restores_the_collector_as_it_was():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
