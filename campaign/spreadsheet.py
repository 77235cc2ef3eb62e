"""Every CSV the product writes goes through here: no cell a spreadsheet would run as a formula.

PRODUCT.md "Exports": cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return are escaped in every CSV. A contender named ``=HYPERLINK("http://evil", "x")`` or
``@SUM(A1:A9)`` would otherwise run when an organiser opens the file (OWASP "CSV
Injection"). The escape is OWASP's: a leading single quote, which spreadsheets show as text
and do not display. Numbers are left alone, and so are strings that are a plain decimal
number (``-12.5``), which a spreadsheet reads as that number and never as a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as written (non-strings unchanged)."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are escaped cell by cell; ``writerow`` returns what the file's
    ``write`` returned (a line, for a streaming response)."""

    def __init__(self, file: _Writable) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
