"""Reuse of freed memory between steps (glibc's allocator settings).

Every step allocates temporaries proportional to its purchases (1.2 MB to 10 MB each at
100,000 customers). By default glibc hands blocks this large back to the system when they are
freed, so the next step maps them again and pays a page fault per 4 KiB page: a quarter of the
run time of a 100,000-customer baseline on the development machine (25.9 s against 18.3 s with
the settings below; benchmarks/README.md). ``keep_freed_memory`` asks glibc to serve blocks
under 32 MiB from its heap and to keep up to 256 MiB of freed heap memory for reuse.

Process-wide and harmless to call more than once; elsewhere than glibc (macOS, Windows, musl)
it does nothing. The cost is memory the process keeps after a run: at most the trim threshold
above what it uses.
"""

from __future__ import annotations

import ctypes
import functools
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
MMAP_THRESHOLD_BYTES = 32 * 2**20  # the largest glibc accepts on 64-bit systems
TRIM_THRESHOLD_BYTES = 256 * 2**20


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (see the module docstring), once per process;
    True if applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
