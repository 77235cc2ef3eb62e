"""Bradley-Terry speed and agreement: ours next to FastChat, arena-rank and evalica.

    .venv/bin/pip install -r bench/requirements-peers.txt
    .venv/bin/pip install --no-deps fschat==0.2.36 arena-rank==0.1.1
    .venv/bin/python bench/ratings.py [--votes 1000000] [--contenders 50] [--rounds 1000]

One run on one synthetic data set (seeded): `--votes` votes over `--contenders` contenders with
true strengths ~ N(0, 1) in natural-log units, 10% ties, a/b order random. It prints, per
method, seconds and the largest rating difference from ours (all ratings shifted to mean
1000 first, since each tool fixes the free constant its own way).

Peers and how they are installed (pins in bench/requirements-peers.txt):
- FastChat's `compute_elo_mle_with_tie` from PyPI `fschat`. fschat's own dependency tree
  (torch, transformers, gradio, …) is far beyond this function, and importing its module
  `fastchat.serve.monitor.elo_analysis` pulls `fastchat.model` (and so torch) in, so fschat is
  installed with --no-deps and the function's source is read from the installed module and
  run as is with numpy, pandas and scikit-learn (which it imports itself).
- arena-rank (LMArena's current methodology: `BradleyTerry` fit by L-BFGS in JAX and the
  sandwich-estimator interval). It pins numpy==2.3.3, older than ours, so it is installed
  with --no-deps next to jax/jaxlib, jaxtyping, optax and pandas; `datasets` is only for
  downloading Arena data and is not needed.
- evalica (Rust core): `bradley_terry` and `bootstrap(..., n_resamples=100, percentile)`.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scoring.numerics.ratings import bootstrap_ratings, fit_bradley_terry
from scoring.numerics.votes import A_WINS, B_WINS, TIE, Votes, count_votes

WINNER_NAMES = np.array(["model_a", "tie", "model_b"], dtype=object)


def synthetic_votes(n_votes: int, n_contenders: int, seed: int = 0) -> Votes:
    rng = np.random.default_rng(seed)
    strength = rng.normal(0.0, 1.0, n_contenders)
    a = rng.integers(0, n_contenders, n_votes)
    b = (a + rng.integers(1, n_contenders, n_votes)) % n_contenders
    p_a = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
    tie = rng.random(n_votes) < 0.10
    outcome = np.where(tie, TIE, np.where(rng.random(n_votes) < p_a, A_WINS, B_WINS))
    return Votes(a, b, outcome, n_contenders)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def centred(ratings: np.ndarray) -> np.ndarray:
    return ratings - ratings.mean() + 1000.0


def load_fastchat() -> Callable[..., Any]:
    """FastChat's function, run from its installed source without importing fastchat.model."""
    spec = importlib.util.find_spec("fastchat")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("fschat is not installed")
    source = Path(
        spec.submodule_search_locations[0], "serve", "monitor", "elo_analysis.py"
    ).read_text()
    tree = ast.parse(source)
    (function,) = (
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and n.name == "compute_elo_mle_with_tie"
    )
    import pandas as pd

    namespace: dict[str, Any] = {"np": np, "pd": pd, "math": math}
    code = compile(ast.Module([function], []), "fastchat/serve/monitor/elo_analysis.py", "exec")
    exec(code, namespace)  # noqa: S102 - the installed peer's own source, not user input
    return namespace["compute_elo_mle_with_tie"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--contenders", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1000)
    arguments = parser.parse_args()

    votes = synthetic_votes(arguments.votes, arguments.contenders)
    names = np.array([f"model-{k:02d}" for k in range(arguments.contenders)], dtype=object)
    print(
        f"{arguments.votes:,} votes, {arguments.contenders} contenders, "
        f"{np.mean(votes.outcome == TIE):.1%} ties"
    )
    rows: list[tuple[str, float, str]] = []

    seconds_fit, ours = timed(lambda: fit_bradley_terry(count_votes(votes)))
    rows.append(("ours: point fit (count + Newton)", seconds_fit, "—"))
    seconds_boot, intervals = timed(
        lambda: bootstrap_ratings(count_votes(votes), rounds=arguments.rounds, seed=0)
    )
    rows.append((f"ours: fit + {arguments.rounds}-round bootstrap", seconds_boot, "—"))
    widths = intervals.upper - intervals.lower
    print(
        f"ours: mean 95% interval width {widths.mean():.2f} Elo "
        f"(min {widths.min():.2f}, max {widths.max():.2f})"
    )

    import pandas as pd

    frame = pd.DataFrame(
        {
            "model_a": names[votes.a],
            "model_b": names[votes.b],
            "winner": WINNER_NAMES[votes.outcome],
        }
    )

    def difference(theirs_by_name: dict[str, float]) -> str:
        theirs = centred(np.array([theirs_by_name[name] for name in names]))
        return f"{np.abs(theirs - centred(ours)).max():.4f}"

    try:
        fastchat = load_fastchat()
        seconds, result = timed(lambda: fastchat(frame))
        rows.append(
            ("FastChat compute_elo_mle_with_tie (1 fit)", seconds, difference(result.to_dict()))
        )
    except Exception as error:  # a missing peer must not hide the others' figures
        rows.append((f"FastChat: not run ({error})", math.nan, "—"))

    try:
        import jax
        from arena_rank.models.bradley_terry import BradleyTerry
        from arena_rank.utils.data_utils import PairDataset

        def arena() -> dict[str, Any]:
            dataset = PairDataset.from_pandas(frame)
            model = BradleyTerry(n_competitors=len(dataset.competitors))
            result = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
            jax.block_until_ready(result["rating_upper"])
            return result

        for label in ("first call, incl. JIT", "second call"):
            seconds, result = timed(arena)
            by_name = dict(zip(result["competitors"], np.asarray(result["ratings"]), strict=True))
            rows.append((f"arena-rank fit + sandwich CI ({label})", seconds, difference(by_name)))
        sandwich = np.asarray(result["rating_upper"]) - np.asarray(result["rating_lower"])
        print(f"arena-rank: mean 95% sandwich interval width {sandwich.mean():.2f} Elo")
    except Exception as error:
        rows.append((f"arena-rank: not run ({error})", math.nan, "—"))

    try:
        import evalica

        winners = [evalica.Winner.X, evalica.Winner.Draw, evalica.Winner.Y]
        xs, ys = list(names[votes.a]), list(names[votes.b])
        outcome = [winners[k] for k in votes.outcome.tolist()]
        seconds, result = timed(lambda: evalica.bradley_terry(xs, ys, outcome))
        by_name = {name: 400.0 * math.log10(score) for name, score in result.scores.items()}
        rows.append(("evalica bradley_terry (1 fit)", seconds, difference(by_name)))
        seconds, _ = timed(
            lambda: evalica.bootstrap(
                evalica.bradley_terry,
                xs,
                ys,
                outcome,
                n_resamples=100,
                bootstrap_method="percentile",
                random_state=0,
            )
        )
        rows.append(("evalica bootstrap, 100 rounds percentile", seconds, "—"))
    except Exception as error:
        rows.append((f"evalica: not run ({error})", math.nan, "—"))

    print()
    print(f"{'method':<48} {'seconds':>9}  {'max |Δ| vs ours (Elo)':>22}")
    for label, seconds, delta in rows:
        print(f"{label:<48} {seconds:9.3f}  {delta:>22}")
    fastchat_seconds = next(
        (s for label, s, _ in rows if label.startswith("FastChat compute")), math.nan
    )
    print()
    print(
        f"target: our {arguments.rounds}-round bootstrap ({seconds_boot:.2f} s) "
        "< FastChat's single fit "
        f"({fastchat_seconds:.2f} s): {'met' if seconds_boot < fastchat_seconds else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
