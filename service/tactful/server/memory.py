"""Handing the memory of a replaced (or refused) compiled library back to the operating system.

A compile of the shipped packs allocates ~85 MB. Once the old library is released, CPython frees
it, but glibc's malloc keeps freed pages mapped in its arenas: the process's RSS stayed a
compile's worth higher after some reloads, and climbed again at the next ones (measured in
bench/soak.py: a worker 168 -> 236 -> 303 MB over six compiles, with one library alive the whole
time). malloc_trim(0) returns whole free pages of every arena; it is glibc-only, so elsewhere
this does nothing but the garbage collection.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any

# How long a call that read the old library may keep it: a short reply holds it for one check, a
# long one waiting for or checked in the pool up to the pool's wall-time limit (10x budget + 5 s).
_WAIT_S = 30.0
_POLL_S = 0.05


def _load_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim  # absent from musl and other non-glibc C libraries
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


_TRIM = _load_trim()


def trim_available() -> bool:
    """True where freed heap pages can be returned explicitly (glibc)."""
    return _TRIM is not None


def release(replaced: weakref.ref[Any] | None = None, interrupted: Callable[[], bool] = lambda: False) -> None:
    """Return freed memory to the OS once `replaced` (a weak reference to what a reload replaced, if anything) is freed.

    Waits (up to 30 s, or until `interrupted()`) for calls still using the replaced library to
    finish, so that its memory is free before the trim; collects reference cycles (a refused
    compile's traceback can keep its partial work alive); then trims malloc's arenas. Call it off
    the event loop, as the reload watcher does: ctypes releases the GIL during malloc_trim, so
    serving goes on meanwhile.
    """
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()  # the replaced library was frozen with the rest: its cycles must be collectable again
    if replaced is not None:
        deadline = time.monotonic() + _WAIT_S
        while replaced() is not None and time.monotonic() < deadline and not interrupted():
            time.sleep(_POLL_S)
    gc.collect()
    if frozen:
        gc.freeze()
    if _TRIM is not None:
        _TRIM(0)


def freeze() -> None:
    """Move every object alive now (the compiled rules above all) out of the cyclic collector's
    reach: a full collection under load otherwise walks the whole ruleset, which never becomes
    garbage while it is served. `release` thaws them before a reload's collection."""
    gc.collect()
    gc.freeze()


def rss_mb() -> float | None:
    """This process's resident set size in MB (Linux; None elsewhere), for the log line after a release."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None
