"""What every command shares: ``error:`` lines on stderr, one way to fail, one way to exit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import NoReturn

from ofsted_themes.core.errors import ExitCode, OfstedThemesError, ProblemsError

PROBLEMS_SHOWN = 20


def error(message: str) -> None:
    """One ``error:`` line on stderr."""
    print(f"error: {message}", file=sys.stderr)


def errors(problems: Iterable[str], limit: int = PROBLEMS_SHOWN) -> None:
    """An ``error:`` line per problem, the first ``limit`` of them, and how many more there are."""
    problems = list(problems)
    for problem in problems[:limit]:
        error(problem)
    if len(problems) > limit:
        print(f"... and {len(problems) - limit} more problems", file=sys.stderr)


def problems_of(cause: str | Exception) -> list[str]:
    """The messages an error carries: one per problem, or its text."""
    if isinstance(cause, ProblemsError):
        return cause.problems
    return [str(cause)]


def fail(cause: str | Exception, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    """Print what is wrong (every problem of a ``ProblemsError``) and exit with ``code``."""
    errors(problems_of(cause))
    raise SystemExit(int(code))


def run_command(main: Callable[[], int | None]) -> NoReturn:
    """Run a command and exit with its status; an error meant for the user becomes ``error:``
    lines and status 2 rather than a traceback, Ctrl-C status 130."""
    try:
        code = main()
    except OfstedThemesError as cause:
        fail(cause)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(int(code or ExitCode.OK))
