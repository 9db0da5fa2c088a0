"""Fewer glibc malloc arenas for the server process.

glibc gives each thread that allocates its own arena, up to eight per core. The server's
threads (one per SQLite connection, the render pool, granian's, libuv's resolver) each keep
their freed memory in theirs; at 1,000 monitors two arenas held about 3 MB less resident
memory (bench/serve.py) for no CPU cost we could measure, since those threads rarely allocate
at once. Setting MALLOC_ARENA_MAX in the environment does the same; this is the default
when it is not set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def limit_malloc_arenas(count: int = ARENAS) -> bool:
    """Cap the arenas of threads started from now on; True when glibc took it. An operator's
    MALLOC_ARENA_MAX stands; other C libraries (musl, macOS) are left alone."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))
