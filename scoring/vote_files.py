"""Vote files for the command line (``python -m scoring ratings``), read without a database.

Rows come through the import's reader (campaign.imports.files: JSON Lines, CSV or Parquet) and
winners through the import's vocabulary (campaign.imports.verdicts), so a file the command
rates is a file ``import_judgments`` reads the same way. Neither needs Django set up. The one
word only the command line knows is left/right: here the --a column is on the left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from campaign.exceptions import UnsupportedFileFormat
from campaign.imports.files import detect_format, read_rows
from campaign.imports.verdicts import MODEL_A, MODEL_B, WINNER, parse_winner, winners_accepted
from scoring.numerics.votes import Votes, outcome_from_verdict


class VoteFileError(ValueError):
    """A vote file that cannot be read; the message names the line and the reason."""


@dataclass(frozen=True)
class VoteFile:
    """Votes read from a file, contender index k being `names[k]` (names sorted).

    With an annotator column, vote k was cast by annotator ``annotator[k]``, named
    ``annotators[annotator[k]]`` (names sorted); without one both are empty.
    """

    names: list[str]
    votes: Votes
    annotators: list[str] = field(default_factory=list)
    annotator: NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))


def read_votes(
    path: str | Path,
    *,
    a: str = MODEL_A,
    b: str = MODEL_B,
    winner: str = WINNER,
    annotator: str | None = None,
) -> VoteFile:
    """Read every row's two contenders and winner (and annotator, when a column is named);
    raise VoteFileError on the first bad row."""
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
    voters: list[str] = []
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
        if annotator is not None:
            voter = _cell(row.data, annotator)
            if voter is None or str(voter).strip() == "":
                raise VoteFileError(f"line {row.line}: missing {annotator!r}")
            voters.append(str(voter).strip())
        firsts.append(first)
        seconds.append(second)
        verdicts.append(verdict)
    names, index = np.unique(np.array(firsts + seconds, dtype=object), return_inverse=True)
    count = len(firsts)
    votes = Votes(index[:count], index[count:], outcome_from_verdict(verdicts), len(names))
    if annotator is None:
        return VoteFile([str(name) for name in names], votes)
    people, voter_index = np.unique(np.array(voters, dtype=object), return_inverse=True)
    return VoteFile(
        [str(name) for name in names],
        votes,
        [str(person) for person in people],
        voter_index.astype(np.intp),
    )


def _cell(row: dict[str, Any], column: str) -> Any:
    # The reader nests dotted CSV columns ("a.model" -> {"a": {"model": ...}}).
    if column in row:
        return row[column]
    head, dot, rest = column.partition(".")
    group = row.get(head) if dot else None
    return group.get(rest) if isinstance(group, dict) else None
