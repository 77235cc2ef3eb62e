"""Run from mutants/: _merge_sorted with and without mutant 24 on random inputs."""

import os

import numpy as np

from scoring.numerics import tallies

rng = np.random.default_rng(0)
same = 0
for _trial in range(3000):
    n = int(rng.integers(1, 8))
    size = rng.integers(0, 6, n).astype(np.int64)
    ordered = np.concatenate([np.sort(rng.integers(0, 20, k).astype(float)) for k in size])
    m = int(rng.integers(1, 15))
    group = rng.integers(0, n, m).astype(np.intp)
    values = rng.integers(0, 20, m).astype(float)
    os.environ["MUTANT_UNDER_TEST"] = ""
    plain = tallies._merge_sorted(ordered, size, group, values)
    os.environ["MUTANT_UNDER_TEST"] = os.environ.get(
        "M", "scoring.numerics.tallies.x__merge_sorted__mutmut_24"
    )
    mutant = tallies._merge_sorted(ordered, size, group, values)
    same += np.array_equal(plain, mutant)
print(f"{same} of 3000 random merges identical")
