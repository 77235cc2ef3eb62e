"""config.memory: a scoring process keeps freed memory for reuse instead of mapping it anew."""

from __future__ import annotations

import os
import subprocess
import sys

from config import memory

# A child process: allocate and touch 100 MB, free it, do it again, and print the page faults
# the second time cost (each fresh page from the kernel is one).
FAULTS = """
import resource, sys
import numpy as np
from config.memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else False
np.ones(100 * 2**20 // 8).sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(100 * 2**20 // 8).sum()
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> tuple[str, int]:
    output = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return output[0], int(output[1])


def test_a_second_large_array_reuses_the_memory_of_the_first():
    kept, reused = faults("keep")
    default_kept, fresh = faults("default")

    assert (kept, default_kept) == ("True", "False")
    # glibc's default maps the block afresh (faults, on a VM new host pages too); kept, the
    # freed block is taken again as it is.
    assert fresh > 100
    assert reused * 10 < fresh


# A child process, memory kept: 400 MB in ten arrays, every other one freed (holes the heap
# cannot give back by itself), then released; the resident MB before and after.
RELEASE = """
import numpy as np
from config.memory import keep_freed_memory, release_freed_memory
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20
keep_freed_memory()
arrays = [np.ones(5 * 2**20) for _ in range(10)]
kept = arrays[1::2]
del arrays
before = resident()
released = release_freed_memory()
print(released, before, resident(), sum(int(a.sum()) for a in kept) // 2**20)
"""


def test_released_memory_leaves_the_resident_set():
    output = subprocess.run(
        [sys.executable, "-c", RELEASE], capture_output=True, text=True, check=True
    ).stdout.split()
    released, before, after, kept = output[0], int(output[1]), int(output[2]), int(output[3])

    assert released == "True"
    assert before - after > 150  # the five freed arrays (200 MB), not the five kept
    assert kept == 25  # the kept arrays intact: 5 of 5 Mi ones


def test_without_glibc_nothing_is_asked(monkeypatch):
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda _name: None)
    assert memory.keep_freed_memory() is False


def test_the_worker_asks_for_it_before_its_pool_forks(monkeypatch):
    from celery.signals import worker_init

    import config.celery

    # Connected to worker_init (sending the signal here would run Celery's own Django
    # fixup too), and what it does when called.
    receivers = [reference() for _key, reference in worker_init.receivers]
    assert config.celery._tune_worker_memory in receivers
    asked: list[bool] = []
    monkeypatch.setattr(config.celery, "keep_freed_memory", lambda: asked.append(True))
    config.celery._tune_worker_memory()
    assert asked == [True]


# A child process: what numpy's BLAS is told once the project's configuration is loaded.
THREADS = """
import os
import config
import numpy
print(os.environ["OPENBLAS_NUM_THREADS"], os.environ["OMP_NUM_THREADS"])
"""


def blas_threads(**environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", THREADS], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_process_uses_one_blas_thread_unless_the_environment_says_otherwise():
    assert blas_threads() == "1 1"
    assert blas_threads(OPENBLAS_NUM_THREADS="2") == "2 1"
