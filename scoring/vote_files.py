"""Vote files for the command line (``python -m scoring ratings``), read without a database.

Rows come through the import's reader (campaign.imports.files: JSON Lines, CSV or Parquet) and
winners through the import's vocabulary (campaign.imports.verdicts), so a file the command
rates is a file ``import_judgments`` reads the same way. Neither needs Django set up. The one
word only the command line knows is left/right: here the --a column is on the left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from campaign.exceptions import UnsupportedFileFormat
from campaign.imports.files import detect_format, read_rows
from campaign.imports.verdicts import MODEL_A, MODEL_B, WINNER, parse_winner, winners_accepted
from scoring.numerics.votes import Votes, outcome_from_verdict


class VoteFileError(ValueError):
    """A vote file that cannot be read; the message names the line and the reason."""


@dataclass(frozen=True)
class VoteFile:
    """Votes read from a file, contender index k being `names[k]` (names sorted)."""

    names: list[str]
    votes: Votes


def read_votes(
    path: str | Path, *, a: str = MODEL_A, b: str = MODEL_B, winner: str = WINNER
) -> VoteFile:
    """Read every row's two contenders and winner; raise VoteFileError on the first bad row."""
    path = Path(path)
    if not path.is_file():
        raise VoteFileError(f"{path}: no such file")
    try:
        file_format = detect_format(path.name)
    except UnsupportedFileFormat:
        file_format = "csv"  # any other name: a CSV file with a header row
    firsts: list[str] = []
    seconds: list[str] = []
    verdicts: list[int] = []
    for row in read_rows(path, file_format):
        if row.error is not None or row.data is None:
            raise VoteFileError(f"line {row.line}: {row.error}")
        values = []
        for column in (a, b, winner):
            value = _cell(row.data, column)
            if value is None or str(value).strip() == "":
                raise VoteFileError(f"line {row.line}: missing {column!r}")
            values.append(value if column == winner else str(value).strip())
        first, second, said = values
        if first == second:
            raise VoteFileError(f"line {row.line}: {first!r} is on both sides")
        verdict = parse_winner(said, screen_words=True)
        if verdict is None:
            raise VoteFileError(
                f"line {row.line}: winner {str(said).strip()!r} is not "
                f"{winners_accepted(screen_words=True)}"
            )
        firsts.append(first)
        seconds.append(second)
        verdicts.append(verdict)
    names, index = np.unique(np.array(firsts + seconds, dtype=object), return_inverse=True)
    count = len(firsts)
    votes = Votes(index[:count], index[count:], outcome_from_verdict(verdicts), len(names))
    return VoteFile([str(name) for name in names], votes)


def _cell(row: dict[str, Any], column: str) -> Any:
    # The reader nests dotted CSV columns ("a.model" -> {"a": {"model": ...}}).
    if column in row:
        return row[column]
    head, dot, rest = column.partition(".")
    group = row.get(head) if dot else None
    return group.get(rest) if isinstance(group, dict) else None
