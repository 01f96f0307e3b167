"""A tagging run's outputs (sentence table, summary, failures, report) as one unit: checked
before any work, written to staged files beside their destinations, then renamed into place
together, so that they never disagree.

A marker beside the sentence table, ``.<out>.commit.json``, lists the renames while they happen
and, once done, what made the outputs (the model's digest, the folder document names are
relative to). A run that finds the renames unfinished completes them first (``recover``);
``--resume`` reads the rest.
"""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ofsted_themes.core.atomic import (
    MAX_NAME_BYTES,
    move_into_place,
    remove_stale_temporaries,
    staged_beside,
    write_atomic,
)
from ofsted_themes.core.errors import ProblemsError

FAILURES = "failures.csv"  # the files a run could not tag, beside the default tag table


def failures_path(out: Path) -> Path:
    """The failures table of the run writing the tag table ``out``."""
    return beside_out(out, FAILURES)


def beside_out(out: Path, name: str) -> Path:
    """An output of the run writing the tag table ``out``, named ``name`` beside ``tags.*``
    (the default), ``<out's name>-<name>`` beside any other, so that runs into one folder under
    names of their own keep their own summaries, reports and failures."""
    return out.with_name(name if out.stem == "tags" else f"{out.stem}-{name}")


def failures_written(record: dict, out: Path) -> list[Path]:
    """The failures tables the earlier run into ``out`` may have written, by its marker's
    record: its own, and ``failures.csv`` where the record is older than tables named after
    their tag table (every run's was ``failures.csv`` then). None where it wrote none; a marker
    of an older version still, which does not say, is taken to have."""
    if not record.get("failures", bool(record)):
        return []
    named = "failures_named" in record
    return sorted({failures_path(out), *([] if named else [out.with_name(FAILURES)])})


class OutputError(ProblemsError):
    """Outputs that cannot be written, found before anything is tagged."""


def marker_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.commit.json")


def check_outputs(outputs: dict[str, Path], inputs: list[Path]) -> None:
    """Refuse outputs that are an input, the same file as another output, a folder, or not
    writable: every problem at once, before any work."""
    problems = []
    seen: dict[Path, str] = {}
    sources = {p.resolve() for p in inputs}
    for option, path in outputs.items():
        real = path.resolve()
        if real in sources:
            problems.append(f"{option} {path} is one of the inputs: it would be overwritten")
        if real in seen:
            problems.append(f"{option} {path} is the same file as {seen[real]}")
        seen.setdefault(real, option)
        if path.is_dir():
            problems.append(f"{option} {path} is a folder; give a file name")
        elif why := unwritable(path):
            problems.append(f"{option} {path} cannot be written ({why})")
    if "--out" in outputs:
        problems += _of_other_runs(outputs["--out"])
    if problems:
        raise OutputError(problems)


def _of_other_runs(out: Path) -> list[str]:
    """``out`` where another run's tag table beside it has the same name but for its format
    (``x.jsonl`` beside ``x.xlsx``): the two runs would share a summary, a report and a failures
    table (named after the name alone), the second replacing the first's, whose ``--resume``
    then refused."""
    if not out.parent.is_dir():
        return []
    others = [
        table
        for marker in out.parent.glob(f".{glob.escape(out.stem)}.*.commit.json")
        if (table := out.parent / marker.name[1 : -len(".commit.json")]) != out
        and table.stem == out.stem
        and table.is_file()
    ]
    return [
        f"--out {out}: {table} beside it is another run's tag table of that name, whose "
        "summary, report and failures table this run's would replace: give --out another name"
        for table in others
    ]


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be created or replaced, if it cannot: its nearest existing folder
    (the missing ones are made) must be a folder, and writable."""
    size = len(os.fsencode(path.name))  # as the file system stores it, whatever it holds
    if size > MAX_NAME_BYTES:  # found only when the run's work was done
        return f"a name of {size} bytes: at most {MAX_NAME_BYTES}"
    if path.exists() and not os.access(path, os.W_OK):
        return "permission denied"
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    return None if os.access(folder, os.W_OK | os.X_OK) else "permission denied"


@dataclass
class OutputSet:
    """The outputs of one run: ``stage`` gives a staged file for each, ``commit`` renames them
    all into place (and removes outputs this run does not make, such as an old failures file)."""

    out: Path
    planned: dict[str, Path] = field(default_factory=dict)  # the caller's own outputs, by option
    record: dict = field(default_factory=dict)  # what made the outputs: model digest, names root
    staged: dict[Path, Path] = field(default_factory=dict)  # destination -> staged file
    removed: list[Path] = field(default_factory=list)
    committed: bool = False  # every output is in place
    held: ExitStack | None = None  # Ctrl-C and SIGTERM held until the commit (hold_signals)

    def hold_signals(self) -> None:
        """Hold Ctrl-C and SIGTERM from now until the outputs are committed or discarded: they
        hold work an interrupt would lose (letters a first or resumed run tagged). They arrive
        then, the outputs written."""
        if self.held is None:
            self.held = ExitStack()
            self.held.enter_context(signals_held())

    def _release(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            held.close()  # a signal held back arrives here

    def stage(self, destination: Path) -> Path:
        remove_stale_temporaries(destination)
        self.staged[destination] = staged_beside(destination)
        return self.staged[destination]

    def remove(self, destination: Path) -> None:
        self.removed.append(destination)

    def commit(self) -> list[Path]:
        """Rename every staged file into place. Ctrl-C and SIGTERM wait until it is done (it
        takes a few renames), so the outputs never disagree; paths are stored absolute, so
        that a run from another folder can finish an interrupted commit."""
        marker = marker_path(self.out)
        written = _written_before(marker) | {str(d.resolve()) for d in self.staged}
        renames = [[str(s.resolve()), str(d.resolve())] for d, s in self.staged.items()]
        removes = [str(p.resolve()) for p in self.removed]
        plan = {"state": "committing", "renames": renames, "removes": removes}
        with signals_held():
            _write_marker(marker, plan | self.record)
            _finish(renames, removes)
            # what the runs into these outputs wrote (the failures table goes by its name):
            # later runs do not take them for letters
            failures = str(failures_path(self.out).resolve())
            outputs = sorted(p for p in written if p != failures and Path(p).exists())
            _write_marker(marker, {"state": "complete", "outputs": outputs} | self.record)
            self.committed = True
        self._release()
        return list(self.staged)

    def discard(self) -> None:
        """Remove the staged files of a run that stops before its commit."""
        if not self.committed:
            for staged in self.staged.values():
                staged.unlink(missing_ok=True)
        self._release()


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the block; they arrive when it ends. Their handlers are
    swapped, not the signals masked: Python runs a handler in the main thread whichever thread
    the signal reached, and a worker pool's threads do not mask it. A handler set outside
    Python (None) is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread runs handlers: nothing can interrupt this block
        return
    caught: list[int] = []
    swapped: dict[int, object] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(signum)
            if previous is not None:
                signal.signal(signum, lambda n, _: caught.append(n))
                swapped[signum] = previous
        yield
    finally:
        _restore(list(swapped.items()))
    if caught:
        signal.raise_signal(caught[0])  # to the handler it would have met


def _restore(handlers: list[tuple[int, object]]) -> None:
    """Put each handler back, every one even if a signal arrives between two."""
    if handlers:
        (signum, handler), *rest = handlers
        try:
            signal.signal(signum, handler)  # type: ignore[arg-type]
        finally:
            _restore(rest)


def recover(out: Path, destinations: Iterable[Path] = ()) -> dict:
    """Finish an interrupted commit of ``out`` and the other ``destinations`` of a run; return
    the record of what made them (empty if there is none)."""
    marker = marker_path(out)
    try:
        state = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict):
        return {}
    if state.get("state") == "committing":
        _finish(*_own_plan(state, out, destinations))
        state["state"] = "complete"
        _write_marker(marker, {k: v for k, v in state.items() if k not in ("renames", "removes")})
    return state


def _written_before(marker: Path) -> set[str]:
    try:
        state = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    listed = state.get("outputs") if isinstance(state, dict) else None
    return {p for p in _listed(listed) if isinstance(p, str)}


def own_outputs(out: Path) -> set[Path]:
    """What the last run into ``out`` wrote (its marker names them), resolved: a run into the
    same ``out`` replaces them, its report among them even when this run writes none."""
    return {Path(p).resolve() for p in _written_before(marker_path(out))}


def earlier_outputs(paths: Iterable[Path]) -> set[Path]:
    """The files among ``paths`` that a tag run wrote (its markers name them, or a CSV's header
    is one of its tables'): a tag table left among the letters would be tagged as letters,
    counting every sentence twice."""
    paths = list(paths)
    written: set[Path] = set()
    for folder in {path.parent for path in paths}:
        for marker in folder.glob(".*.commit.json"):
            table = folder / marker.name[1 : -len(".commit.json")]
            # failures.csv too: runs before failures_path named every run's so
            failures = {failures_path(table), table.with_name(FAILURES)}
            written |= {table.resolve(), *(f.resolve() for f in failures)}
            written |= {Path(p) for p in _written_before(marker)}
    copied = {path for path in paths if path.suffix.lower() == ".csv" and _output_header(path)}
    if not written:  # no marker: no letter's path need be resolved, a few system calls each
        return copied
    return copied | {path for path in paths if path.resolve() in written}


# The first columns of a tag run's CSV tables, and a column each has further on: its sentence
# table, its summary, its failures table. Copied without the marker that names them (`cp out/*`
# leaves hidden files behind), they were read as letters.
OUTPUT_HEADERS = (
    (("document", "council", "year", "sentence_no", "page", "text"), "evidence"),
    (("document", "council", "visit_type"), "sentences"),
    (("file", "reason"), "reason"),
)


def _output_header(path: Path) -> bool:
    """Whether the CSV at ``path`` starts with the header of one of a tag run's tables."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r")
    columns = line.split(",")
    return any(
        tuple(columns[: len(first)]) == first and later in columns
        for first, later in OUTPUT_HEADERS
    )


def recorded_model(out: Path) -> str | None:
    """The fingerprint of the model that wrote the outputs beside ``out``, read without
    touching them (None when no marker records one)."""
    try:
        model = json.loads(marker_path(out).read_text(encoding="utf-8")).get("model")
    except (OSError, ValueError, AttributeError):
        return None
    return model if isinstance(model, str) else None


def _own_plan(
    state: dict, out: Path, destinations: Iterable[Path]
) -> tuple[list[list[str]], list[str]]:
    """The renames and removals of an interrupted commit that a commit of these outputs could
    have planned: a file staged beside one of them renamed onto it, and the failures table of
    ``out`` removed. Anything else in a marker (damaged, or written by someone else) is
    not acted on."""
    wanted = {Path(p).resolve() for p in (out, *destinations)}
    renames = [
        pair
        for pair in _listed(state.get("renames"))
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        and _staged_for(Path(pair[0]), Path(pair[1]), wanted)
    ]  # fmt: skip
    # as commit() records them: its own, or the one every run wrote before tables were named
    failures = {str(f.resolve()) for f in (failures_path(out), out.with_name(FAILURES))}
    return renames, [p for p in _listed(state.get("removes")) if p in failures]


def _listed(value) -> list:
    return value if isinstance(value, list) else []


# a staged file's name: "." + the output's name + "." + the process id + "." + mkstemp's letters
STAGED = re.compile(r"\.(?P<name>.+)\.\d+\.[a-z0-9_]+\.tmp")


def _staged_for(staged: Path, destination: Path, wanted: set[Path]) -> bool:
    """Whether ``staged`` was staged for ``destination``, one of the ``wanted`` outputs: named
    after it, beside it (or beside the link that leads to it)."""
    named = STAGED.match(staged.name)
    return (
        named is not None
        and destination.resolve() in wanted
        and (staged.parent / named["name"]).resolve() == destination.resolve()
    )


def _finish(renames: list[list[str]], removes: list[str]) -> None:
    for staged, destination in renames:
        if Path(staged).exists():
            move_into_place(Path(staged), Path(destination))
    for path in removes:
        Path(path).unlink(missing_ok=True)


def _write_marker(marker: Path, state: dict) -> None:
    write_atomic(marker, lambda f: json.dump(state, f, indent=1))
