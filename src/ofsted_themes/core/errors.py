"""One error model for the whole product.

Every error meant for the user derives from ``OfstedThemesError`` and carries a message that says
what to fix; ``ProblemsError`` carries several such messages at once (one per row or file). The
commands turn them into ``error:`` lines and an exit status with ``fail`` (see ``cli/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Exit statuses shared by every command."""

    OK = 0
    FAILURES = 1  # the command ran, but some inputs could not be processed (listed)
    USAGE = 2  # bad arguments, configuration or input data: nothing was done


class OfstedThemesError(Exception):
    """An error worded for the user of the product."""


class ProblemsError(OfstedThemesError, ValueError):
    """Several problems found in one pass; ``problems`` holds one message per problem, each
    naming the file, row or column to fix."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def summary(self, limit: int = 5) -> str:
        """The first ``limit`` problems on one line."""
        more = " ..." if len(self.problems) > limit else ""
        return "; ".join(self.problems[:limit]) + more


def looked_in(path: Path | str) -> str:
    """Where a missing relative path was looked for: a default (``models/…``, ``data/…``) is
    relative to the current folder, which may not be the project's."""
    if Path(path).is_absolute():
        return ""
    return f" in {Path.cwd()} (run from the project folder, or give its full path)"
