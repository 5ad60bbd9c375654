"""The C allocator while chunks run: keep freed memory for the next chunk, give it back afterwards.

Every line item of a chunk is a fresh numpy array (8,192 scenarios × 61 months = 4 MB), freed a few
items later. glibc's malloc returns such blocks to the kernel (``munmap``, or trimming the top of a
heap) and the next array of the same size is zero-filled again page by page: in a sweep of the seed
that was ~13,000 page faults per chunk, 40 % of its CPU time, and most of the system time. While a
batch run is in progress (:func:`keep_freed_memory`), blocks up to 32 MB come from the heap and the
heap is not trimmed, so a chunk reuses the pages the previous one freed; when the last run ends,
``malloc_trim(0)`` hands the free pages back and glibc's default thresholds are set again.

Only glibc is tuned (Linux); elsewhere, or if the C library cannot be loaded, this does nothing.
Results do not change: only where the arrays' memory comes from.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_KEEP_TRIM = 1 << 30  # do not trim the heap while runs are in progress (below 1 GB of free top)
_KEEP_MMAP = 32 << 20  # blocks up to 32 MB from the heap (glibc's maximum for this setting)
_DEFAULT = 128 << 10  # glibc's initial thresholds (128 kB)

_lock = threading.Lock()
_active = 0


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it is glibc (has ``mallopt`` and ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes, libc.malloc_trim.argtypes = [ctypes.c_int, ctypes.c_int], [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


def _set(trim: int, mmap: int) -> None:
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_TRIM_THRESHOLD, trim)
        libc.mallopt(_M_MMAP_THRESHOLD, mmap)


@contextmanager
def keep_freed_memory() -> Iterator[None]:
    """While any such block is active (nesting and threads allowed), freed memory stays in the
    process for reuse; after the last one, free pages go back to the system."""
    global _active
    with _lock:
        _active += 1
        if _active == 1:
            _set(_KEEP_TRIM, _KEEP_MMAP)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _set(_DEFAULT, _DEFAULT)
                libc = _glibc()
                if libc is not None:
                    libc.malloc_trim(0)
