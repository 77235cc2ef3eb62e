"""How fast one core of this machine is right now: a fixed pure-Python workload, timed.

The machine is shared, and its speed drifts with nothing of ours running: in one hour of
session 15 the same vote file's COPY floor took 4.3 s, then 7.2 s, and the same judge request
cost 2.4 ms of Django CPU, then 3.5 ms, with the load average near 1 throughout. The load
average does not show such drift; this figure does. The CPU-bound benches print it before and
after they measure (``speed_line``): read a figure against the reference it ran beside, and
compare runs whose references agree. Lower is faster.
"""

from __future__ import annotations

import time

ROUNDS = 7


def reference_ms(rounds: int = ROUNDS) -> float:
    """CPU milliseconds of the workload in this process, the best of ``rounds``."""
    best = float("inf")
    for _round in range(rounds):
        start = time.process_time()
        _workload()
        best = min(best, time.process_time() - start)
    return best * 1000


def speed_line(when: str) -> str:
    return f"machine speed {when}: reference workload {reference_ms():.0f} ms (lower is faster)"


def _workload() -> int:
    # Dict, string and integer work, the stuff of a request's and an import's Python.
    table: dict[str, int] = {}
    for number in range(200_000):
        key = f"row-{number % 5_000}"
        table[key] = table.get(key, 0) + len(key)
    return len(table)
