"""What an import says about a file: its lines, its problems line by line, what it created."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

# Called with a phase ("validating", "writing") and the number of lines done in it.
ProgressCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class FileReport:
    """The part of an import's report every import shares; each import adds its own counts.

    Problems beyond settings.IMPORT_MAX_ERRORS are counted, not kept: a wrong file of a million
    lines must not hold a million messages.
    """

    lines: int = 0
    prompts_created: int = 0
    responses_created: int = 0
    comparisons_created: int = 0
    contenders_created: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    errors_not_listed: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({problem.line for problem in self.errors})

    def add_error(self, line: int, message: str) -> None:
        if len(self.errors) < settings.IMPORT_MAX_ERRORS:
            self.errors.append(ImportProblem(line, message))
        else:
            self.errors_not_listed += 1

    def sort_errors(self) -> None:
        """In line order (batches report some problems after later lines' ones)."""
        self.errors.sort(key=lambda problem: problem.line)

    def summary(self) -> str:
        if not self.ok:
            more = f" (and {self.errors_not_listed} more)" if self.errors_not_listed else ""
            return (
                f"{self.bad_lines} bad lines, {len(self.errors)} problems{more}; "
                "nothing was imported."
            )
        verb = "would create" if self.dry_run else "created"
        return f"{self.lines} lines: {verb} {self.created()}."

    def created(self) -> str:
        """What the import created (or would), in words, for the summary."""
        raise NotImplementedError
