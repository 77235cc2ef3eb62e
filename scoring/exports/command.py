"""The shared body of the export commands: campaign lookup, file, progress bar, errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from campaign import services
from campaign.exceptions import CampaignError
from campaign.models import Campaign
from scoring.exports.formats import Column, Format, encode


def campaign_for(slug: str) -> Campaign:
    try:
        return services.get_campaign(slug)
    except CampaignError as error:
        raise CommandError(str(error)) from None


class Progress:
    """``rows`` unchanged, counted in ``count`` and on a tqdm bar on stderr (like the import
    commands) unless ``quiet``."""

    def __init__(
        self, command: BaseCommand, rows: Iterable[Any], *, label: str, quiet: bool
    ) -> None:
        self.count = 0
        self._rows = rows
        self._label = label
        # The raw stream: the wrapper would end each carriage-return redraw with a newline.
        self._stream = None if quiet else cast(TextIO, command.stderr._out)

    def __iter__(self) -> Iterator[Any]:
        if self._stream is None:
            for row in self._rows:
                self.count += 1
                yield row
            return
        with tqdm(desc=self._label, unit=" rows", file=self._stream, disable=None) as bar:
            for row in self._rows:
                self.count += 1
                bar.update()
                yield row


def write_export(
    path: Path, rows: Iterable[tuple[Any, ...]], columns: Sequence[Column], *, fmt: Format
) -> None:
    """Stream ``rows`` into ``path`` as ``fmt``; a failed write leaves no partial file."""
    try:
        file = path.open("wb")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with file:
            for chunk in encode(rows, columns, fmt=fmt):
                file.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
