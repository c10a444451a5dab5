"""Errors meant for users: they name the file, row, column and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``row`` is the row as a person sees it in a spreadsheet (the header is row 1);
    ``None`` when the problem concerns the whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        col = f" {self.column}:" if self.column else ""
        return f"{where}:{col} {self.message}"


class DxError(Exception):
    """Base class for errors caused by input or parameters, shown without a traceback."""


class InputProblems(DxError):
    """One or more problems in input data, reported all at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, limit: int = 200) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


class UnknownProvince(DxError):
    """A province name or code that matches nothing; lists the closest matches."""

    def __init__(self, value: object, suggestions: list[str], scheme: str):
        self.value = value
        self.suggestions = suggestions
        hint = f"; closest matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown province {value!r} ({scheme} list of provinces){hint}")
