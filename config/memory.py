"""Process-level memory tuning for the processes that score campaigns.

A scoring run at 10,000,000 judgments works on arrays of tens of megabytes, each allocated and
freed in turn. glibc's malloc maps every block above 32 MB afresh from the kernel and unmaps it
on free, so each new array is faulted in again, page by page; on the VM this project is
measured on, pages the kernel hands out anew are slow to touch (0.34 s for the first 80 MB
array of a process, 0.02 s for the same work on memory already used). Keeping freed memory in
the heap for reuse (no mmap for large blocks, no trimming of the heap's top) made an
incremental run at 10M take
11.1 s instead of 15.0 s (6.5 s of CPU instead of 10.2 s) and a full run 34.8 s of CPU instead
of 41.9 s; the peak RSS went from 3,051 to 3,156 MiB (bench/score_campaign.py, with
MALLOC_MMAP_MAX_=0 and a high MALLOC_TRIM_THRESHOLD_, one run each). The cost is memory the
process keeps once used, which a worker reuses on its next run. Only the scoring worker and
score_campaign ask for it; web processes keep glibc's defaults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_MAX = -4
_KEEP_UP_TO = 2**31 - 1  # bytes of free heap top kept (mallopt takes an int)


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for reuse; False where that is not glibc."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _KEEP_UP_TO))


def release_freed_memory() -> bool:
    """Give the free pages of the heap back to the kernel (glibc's malloc_trim); False where
    that is not glibc.

    With freed memory kept (above), a full run at 10M left 0.4-1.3 GB of free but scattered
    heap between its phases (the comparisons' read, the judgments' load, the core's fold, the
    extras): the next phase's large arrays did not fit the gaps and grew the heap, to a peak
    RSS of 2.8 GB with at most 2 GB in use. Released between the phases, the pages are
    faulted in again only as they are used.
    """
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True


def _libc_function(name: str) -> Any:
    """The C library's function ``name``, or None where there is no such library or function
    (not glibc, or no C library ctypes can load)."""
    library = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(library) if library else None
    except OSError:
        return None
    return getattr(libc, name, None)
