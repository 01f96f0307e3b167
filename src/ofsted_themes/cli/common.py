"""What every command shares: ``error:`` lines on stderr, one way to fail, one way to exit."""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import NoReturn

from ofsted_themes.core.collector import process_start
from ofsted_themes.core.errors import ExitCode, OfstedThemesError, ProblemsError
from ofsted_themes.core.words import UNSHOWN, counted

# The Tagger that tag and label use unless given another: the one train saves by default.
DEFAULT_MODEL = Path("models/tagger.skops")
PROBLEMS_SHOWN = 20
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C
BROKEN_PIPE = 141  # the shell's status for a writer whose reader closed the pipe (SIGPIPE)


# Characters a terminal acts on rather than shows (controls, escapes, bidirectional overrides)
# or shows as nothing (zero-width ones): text from files and file names is printed with them
# escaped, so it cannot move the cursor, rewrite earlier lines, reorder what is shown or pass
# for another name.
UNPRINTABLE = re.compile(rf"(?!\n)[{UNSHOWN}]")  # a message may run over lines


def printable(text: object) -> str:
    """``text`` safe to print: each character a terminal would act on shown as ``\\xNN`` or
    ``\\uNNNN`` (newlines are kept: callers print whole lines)."""
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), str(text))


def one_line(text: object) -> str:
    """:func:`printable`, with newlines shown as ``\\n`` too."""
    return printable(text).replace("\n", "\\n")


def error(message: str) -> None:
    """One ``error:`` line on stderr."""
    print(f"error: {printable(message)}", file=sys.stderr)


def stopped(exc: OSError, kept: str) -> None:
    """The ``error:`` line of a command the system stopped (a full disk, a folder gone), with
    what became of its files (``kept``); a reader of our output gone is not one
    (``run_command`` handles it), nor a stream that has no file behind it."""
    if isinstance(exc, BrokenPipeError | io.UnsupportedOperation):
        raise exc
    where = f" ({exc.filename})" if exc.filename else ""
    error(f"the command stopped: {exc.strerror or exc}{where}; {kept}")


def errors(problems: Iterable[str], limit: int = PROBLEMS_SHOWN) -> None:
    """An ``error:`` line per problem, the first ``limit`` of them, and how many more there are."""
    problems = list(problems)
    for problem in problems[:limit]:
        error(problem)
    if len(problems) > limit:
        print(f"... and {len(problems) - limit} more problems", file=sys.stderr)


def print_failures(
    failures: Iterable[tuple[str, str]], limit: int | None = None, rest: str = ""
) -> None:
    """The files that could not be tagged and why, as a table on stderr; past ``limit`` rows,
    how many more there are (``rest``: where they are listed)."""
    # one row a file: a newline in a name (a legal character in one) is shown, not obeyed
    rows = [(one_line(name), one_line(reason)) for name, reason in failures]
    shown = rows if limit is None else rows[:limit]
    width = max(len(name) for name, _ in shown)
    print(f"\n{len(rows)} file(s) could not be tagged:", file=sys.stderr)
    for name, reason in shown:
        print(f"  {name:<{width}}  {reason}", file=sys.stderr)
    if len(rows) > len(shown):
        print(f"  ... and {len(rows) - len(shown)} more{rest}", file=sys.stderr)


def problems_of(cause: str | Exception) -> list[str]:
    """The messages an error carries: one per problem, or its text."""
    if isinstance(cause, ProblemsError):
        return cause.problems
    return [str(cause)]


def fail(cause: str | Exception, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    """Print what is wrong (every problem of a ``ProblemsError``) and exit with ``code``."""
    errors(problems_of(cause))
    raise SystemExit(int(code))


_in_command = False  # run_command: this process runs one command, start to end


@contextmanager
def starting_up() -> Iterator[None]:
    """A command's start (imports, reading the model) kept out of Python's cycle collector
    (``core.collector``), in a command's own process only (:func:`run_command`): called as a
    function, the collector is left alone."""
    with process_start() if _in_command else nullcontext():
        yield


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a scheduler's stop) unwinds like Ctrl-C: temporary files are removed
    and the outputs stay as they were."""
    raise KeyboardInterrupt


def run_command(main: Callable[[], int | None]) -> NoReturn:
    """Run a command and exit with its status; an error meant for the user becomes ``error:``
    lines and status 2 rather than a traceback, Ctrl-C status 130."""
    global _in_command
    _in_command = True
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = main()
    except OfstedThemesError as cause:
        fail(cause)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        code = INTERRUPTED
    except BrokenPipeError:  # `tag ... | head`: the reader has gone; the outputs are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit's flush
        code = BROKEN_PIPE
    finally:
        _in_command = False  # a caller that catches the exit is not the command
    if code == INTERRUPTED:
        # The command has cleaned up; leave at once, rather than wait at exit for a library's
        # worker-pool thread that an interrupt can leave hanging.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    raise SystemExit(int(code or ExitCode.OK))


def theme_tally(counts: dict[str, int], concerns: dict[str, int]) -> str:
    """Tagged sentences per theme, and how many raise a concern where the tagger says:
    "staffing 12 (8 concerns)"."""
    return ", ".join(
        f"{theme} {n}" + (f" ({counted(concerns[theme], 'concern')})" if theme in concerns else "")
        for theme, n in counts.items()
    )


def output_file(value: str) -> Path:
    """An output's path (tag's --out, --summary and --report; label's --out and --labels). A
    name ending in "/" names a folder, as do "", "." and "..": Path drops the "/", so "x.csv/"
    would have written a file x.csv."""
    path = Path(value)
    if value.endswith(("/", os.sep)) or path.name in ("", ".", ".."):
        raise argparse.ArgumentTypeError(f"{value!r} names a folder, not a file: give a file name")
    return path
