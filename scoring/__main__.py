"""Command line: score a file of votes without any database.

    python -m scoring ratings FILE --a COL --b COL --winner COL [--rounds N] [--format table|json]
    python -m scoring ratings FILE ... --annotator COL --method crowd-bt

Prints the model leaderboard as a table, or as JSON: the `contenders` list of PRODUCT.md's
leaderboard JSON. With ``--method crowd-bt`` (annotator-aware: scoring.numerics.crowd_bt) the
JSON is an object, ``{"contenders": [the same rows], "annotators": [{"annotator", "votes",
"reliability"}]}``, and the table is followed by one of the annotators.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from scoring.numerics.crowd_bt import rate_crowd_bt
from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.ratings import ContenderRating, rate_contenders
from scoring.numerics.votes import RatingError
from scoring.vote_files import VoteFileError, read_votes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ratings = commands.add_parser(
        "ratings",
        help="Bradley-Terry ratings with bootstrap intervals from a CSV or JSONL file of votes",
        description="Rate contenders from a CSV or JSON Lines (.jsonl) file, one vote per row, "
        "in file order.",
    )
    ratings.add_argument(
        "file", help="CSV with a header row, JSON Lines (.jsonl/.ndjson/.json) or Parquet"
    )
    ratings.add_argument(
        "--a", default="model_a", metavar="COL", help="column of contender a (default: model_a)"
    )
    ratings.add_argument(
        "--b", default="model_b", metavar="COL", help="column of contender b (default: model_b)"
    )
    ratings.add_argument(
        "--winner",
        default="winner",
        metavar="COL",
        help="column of the winner: a/b/tie, model_a/model_b/tie (bothbad), left/right "
        "(left = the --a column) or a verdict -2…+2 (negative prefers a); default: winner",
    )
    ratings.add_argument(
        "--rounds", type=int, default=1000, help="bootstrap rounds (default: 1000)"
    )
    ratings.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    ratings.add_argument(
        "--anchor", metavar="NAME", help="pin this contender at 1000 instead of the mean"
    )
    ratings.add_argument(
        "--annotator", metavar="COL", help="column naming who cast each vote (for crowd-bt)"
    )
    ratings.add_argument(
        "--method",
        choices=("bt", "crowd-bt"),
        default="bt",
        help="bt: Bradley-Terry, every vote alike (default); crowd-bt: annotator-aware, each "
        "annotator's reliability estimated with the ratings (needs --annotator)",
    )
    ratings.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _table(rows: Sequence[ContenderRating]) -> str:
    header = f"{'rank':>4}  {'contender':<28} {'rating':>8} {'95% interval':>19} {'votes':>7} "
    header += f"{'W':>6} {'L':>6} {'T':>6} {'win rate':>8} {'online':>8}"
    lines = [header]
    for row in rows:
        online = "" if row.online_elo is None else f"{row.online_elo:8.1f}"
        lines.append(
            f"{row.rank:>4}  {row.name[:28]:<28} {row.rating:8.1f} "
            f"[{row.ci_lower:8.1f}, {row.ci_upper:8.1f}] {row.votes:>7} "
            f"{row.wins:>6} {row.losses:>6} {row.ties:>6} {row.win_rate:8.3f} {online:>8}"
        )
    return "\n".join(lines)


def _annotator_table(annotators: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'annotator':<28} {'votes':>7} {'reliability':>11}"]
    for row in annotators:
        lines.append(f"{row['annotator'][:28]:<28} {row['votes']:>7} {row['reliability']:11.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    crowd = arguments.method == "crowd-bt"
    if crowd and not arguments.annotator:
        parser.error("--method crowd-bt needs --annotator COL (who cast each vote)")
    try:
        data = read_votes(
            arguments.file,
            a=arguments.a,
            b=arguments.b,
            winner=arguments.winner,
            annotator=arguments.annotator,
        )
        options = {"rounds": arguments.rounds, "seed": arguments.seed, "anchor": arguments.anchor}
        if crowd:
            votes = CrowdVotes(data.votes, data.annotator, len(data.annotators))
            rows, reliability = rate_crowd_bt(data.names, votes, **options)
        else:
            rows = rate_contenders(data.names, data.votes, **options)
    except (VoteFileError, RatingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    contenders = [dataclasses.asdict(row) for row in rows]
    if not crowd:
        print(json.dumps(contenders, indent=2) if arguments.format == "json" else _table(rows))
        return 0
    cast = np.bincount(data.annotator, minlength=len(data.annotators))
    annotators = [
        {"annotator": name, "votes": int(cast[k]), "reliability": float(reliability[k])}
        for k, name in enumerate(data.annotators)
    ]
    if arguments.format == "json":
        print(json.dumps({"contenders": contenders, "annotators": annotators}, indent=2))
    else:
        print(_table(rows) + "\n\n" + _annotator_table(annotators))
    return 0


if __name__ == "__main__":
    sys.exit(main())
