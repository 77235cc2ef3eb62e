"""The shared body of the export commands: campaign lookup, file, progress bar, errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from campaign import services
from campaign.exceptions import CampaignError
from campaign.models import Campaign


def campaign_for(slug: str) -> Campaign:
    try:
        return services.get_campaign(slug)
    except CampaignError as error:
        raise CommandError(str(error)) from None


class RowCount:
    """Rows exported so far, shown on a tqdm bar on stderr (like the import commands)."""

    def __init__(self, bar: tqdm | None) -> None:
        self.rows = 0
        self._bar = bar

    def __call__(self, rows: int) -> None:
        self.rows += rows
        if self._bar is not None:
            self._bar.update(rows)


@contextmanager
def progress_bar(
    command: BaseCommand, *, label: str, total: int | None, quiet: bool
) -> Iterator[RowCount]:
    if quiet:
        yield RowCount(None)
        return
    # The raw stream: the wrapper would end each carriage-return redraw with a newline.
    stream = cast(TextIO, command.stderr._out)
    with tqdm(desc=label, unit=" rows", total=total, file=stream, disable=None) as bar:
        yield RowCount(bar)


def write_export(path: Path, chunks: Iterable[bytes]) -> None:
    """Stream ``chunks`` into ``path``; a failed export leaves no partial file."""
    try:
        file = path.open("wb")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with file:
            for chunk in chunks:
                file.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
