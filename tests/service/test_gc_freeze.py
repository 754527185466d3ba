"""The served rules are frozen out of the cyclic collector's reach (server/memory.py), and a
reload's release must still free a replaced library that only the cyclic collector can free."""

from __future__ import annotations

import gc
import weakref

from tactful.server import memory


class _Library:
    """Stands in for a compiled library that holds a reference cycle."""

    def __init__(self) -> None:
        self.me = self


def test_release_frees_a_frozen_library_held_only_by_its_own_cycle() -> None:
    library = _Library()
    replaced = weakref.ref(library)
    memory.freeze()
    try:
        del library
        gc.collect()
        assert replaced() is not None  # frozen: a full collection does not reach it
        memory.release(replaced, interrupted=lambda: True)  # no request holds it: no need to wait
        assert replaced() is None
        assert gc.get_freeze_count() > 0  # what is still served is frozen again
    finally:
        gc.unfreeze()


def test_release_leaves_an_unfrozen_process_unfrozen() -> None:
    gc.unfreeze()
    memory.release()
    assert gc.get_freeze_count() == 0
