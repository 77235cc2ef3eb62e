"""Run from mutants/: rounds_without_mle with each listed mutant vs plain on random resamples."""

import os
import sys

import numpy as np

from scoring.numerics import bt_newton
from scoring.numerics.votes import PairCounts

names = sys.argv[1:]
rng = np.random.default_rng(0)
same = dict.fromkeys(names, 0)
boards = 0
for _trial in range(400):
    n = int(rng.integers(2, 6))
    votes = int(rng.integers(2, 25))
    a = rng.integers(0, n, votes)
    b = (a + rng.integers(1, n, votes)) % n
    outcome = rng.choice(3, votes, p=rng.dirichlet([1, 1, 1]))  # tie-heavy boards too
    cells = np.zeros((votes, 3), dtype=np.int64)
    cells[np.arange(votes), outcome] = 1
    counts = PairCounts(a, b, cells[:, 0], cells[:, 1], cells[:, 2], n_contenders=n)
    i, j, c = bt_newton.pair_cells(counts)
    k = int(np.union1d(i, j).size)
    if k < n:
        continue
    os.environ["MUTANT_UNDER_TEST"] = ""
    full = bt_newton.strongly_connected(i, j, c, n)
    flat = c.ravel()
    draws = rng.multinomial(int(flat.sum()), flat / flat.sum(), size=50).reshape(-1, *c.shape)
    plain = bt_newton.rounds_without_mle(i, j, draws, c, n, full_exists=full)
    boards += 1
    for name in names:
        os.environ["MUTANT_UNDER_TEST"] = (
            f"scoring.numerics.bt_newton.x_rounds_without_mle__mutmut_{name}"
        )
        same[name] += np.array_equal(
            plain, bt_newton.rounds_without_mle(i, j, draws, c, n, full_exists=full)
        )
print(
    f"{boards} random boards x 50 resampled rounds; boards with identical results per mutant:", same
)
