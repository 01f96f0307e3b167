"""python -m tag PATH...: tag every sentence of Ofsted letters with themes, scores and evidence.

Writes the sentence table (--out), one row per letter (--summary), a readable HTML report
(--report) and, when some files fail, a table of failures beside the outputs.
Exit status: 0 all files tagged, 1 some files failed (the rest are tagged), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ofsted_themes.cli.common import (
    DEFAULT_MODEL,
    INTERRUPTED,
    fail,
    one_line,
    output_file,
    print_failures,
    printable,
    run_command,
    starting_up,
    stopped,
    theme_tally,
)
from ofsted_themes.core.errors import ExitCode, ProblemsError
from ofsted_themes.core.limits import READ_SECONDS
from ofsted_themes.core.words import counted, some_of

if TYPE_CHECKING:  # imported after parse_args when tagging: --help stays quick
    from ofsted_themes.modelling.tagger import Tagger
    from ofsted_themes.tagging.corrections import Corrections


MAX_SECONDS = 10**6  # about 11 days: beyond it, the timer cannot be set on every platform


def seconds_limit(value: str) -> float:
    """A --time-limit: 0 (no limit) or a number of seconds up to MAX_SECONDS."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= MAX_SECONDS:  # also refuses nan, for which every comparison fails
        raise argparse.ArgumentTypeError(
            f"{value!r}: give 0 (no limit) or a number of seconds up to {MAX_SECONDS:,}"
        )
    return seconds


def worker_count(value: str) -> int:
    """A --jobs: 0 (automatic) or a number of worker processes."""
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give 0 (automatic) or a number of workers")
    return jobs


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tag", description=__doc__.split("\n\n")[0].split(": ", 1)[1]
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders (recursive) or globs"
    )
    parser.add_argument(
        "--model",
        default=str(DEFAULT_MODEL),
        help="tagger file or MLflow model URI (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=output_file,
        default=Path("reports/tags.csv"),
        help="the sentence table: .csv, .xlsx, .jsonl or .parquet (default: %(default)s)",
    )
    parser.add_argument(
        "--summary",
        type=output_file,
        help="one row per letter (default: letters.csv beside --out, or NAME-letters.csv "
        "beside an --out named NAME.* other than tags.*)",
    )
    parser.add_argument(
        "--report",
        type=output_file,
        help="HTML report (default: report.html beside --out, or NAME-report.html beside an "
        "--out named NAME.* other than tags.*)",
    )
    parser.add_argument("--no-report", action="store_true", help="skip the HTML report")
    parser.add_argument(
        "--text-column", default="text", help="sentence column of CSV/TSV/XLSX inputs"
    )
    parser.add_argument(
        "--split-rows",
        action="store_true",
        help="tag each sentence of a CSV/TSV/XLSX row holding several (a paragraph) as a row of "
        "its own, instead of the row as one sentence",
    )
    parser.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="THEME=VALUE",
        help="override a theme's threshold",
    )
    parser.add_argument(
        "--meta",
        type=Path,
        metavar="FILE",
        help="a table (document, council, visit_type, visit_dates, visit_date, judgement, year) "
        "whose non-empty cells supply or correct the letters' metadata",
    )
    parser.add_argument("--resume", action="store_true", help="skip letters already in --out")
    parser.add_argument(
        "--jobs",
        type=worker_count,
        default=0,
        help="worker processes, at most one a file and a core (0: automatic)",
    )
    parser.add_argument(
        "--time-limit",
        type=seconds_limit,
        default=READ_SECONDS,
        metavar="SECONDS",
        help=f"time to read one file before it fails (default {READ_SECONDS:g}; 0: no limit)",
    )
    args = parser.parse_args(argv)
    if args.no_report and args.report:  # one asks for a report the other refuses
        parser.error("--report and --no-report: give one")
    from ofsted_themes.tagging.outputs import beside_out  # light: no model, no pandas

    args.summary = args.summary or beside_out(args.out, "letters.csv")
    args.report = args.report or beside_out(args.out, "report.html")
    return args


def parse_thresholds(items: list[str], theme_ids: list[str]) -> dict[str, float]:
    """The themes' thresholds the command line gives, each once, from 0 to 1."""
    chosen: dict[str, float] = {}
    given: dict[str, str] = {}
    for item in items:
        theme, equals, value = item.partition("=")
        if not equals:
            raise ValueError(f"--threshold {item}: give THEME=VALUE, e.g. {theme_ids[0]}=0.5")
        if theme not in theme_ids:
            raise ValueError(
                f"--threshold {item}: unknown theme '{theme}' (themes: {', '.join(theme_ids)})"
            )
        if theme in given:  # the last would win unsaid, as a mistyped theme would have
            raise ValueError(f"--threshold {item}: {theme} is given twice ({given[theme]} first)")
        given[theme] = item
        try:
            chosen[theme] = float(value)
        except ValueError:
            raise ValueError(f"--threshold {item}: '{value}' is not a number") from None
        if not 0 <= chosen[theme] <= 1:
            raise ValueError(f"--threshold {item}: thresholds lie between 0 and 1")
    return chosen


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with starting_up():
        inputs, corrections, tagger, version = checked_run(args)
    from ofsted_themes import is_model_uri
    from ofsted_themes.core.digests import file_digest

    # the model file's digest (its MLflow run's tagger_digest), of the file as it was loaded
    digest = file_digest(args.model) if Path(args.model).is_file() else None
    from ofsted_themes.core.locks import exclusive
    from ofsted_themes.tagging.batch import run_batch
    from ofsted_themes.tagging.outputs import OutputSet, failures_path

    started = time.perf_counter()
    outputs = OutputSet(args.out, planned={} if args.no_report else {"--report": args.report})
    written = [args.out, args.summary, failures_path(args.out)]
    written += [] if args.no_report else [args.report]
    try:
        with ExitStack() as locks:  # every output this run may write, in one order
            for path in sorted({p.resolve() for p in written}):
                locks.enter_context(exclusive(path, 0, "tag run"))
            result = run_batch(
                tagger,
                args.paths,
                out=args.out,
                summary=args.summary,
                text_column=args.text_column,
                split_rows=args.split_rows,
                resume=args.resume,
                jobs=args.jobs,
                model_path=None if is_model_uri(args.model) else args.model,
                seconds=args.time_limit or None,
                outputs=outputs,
                corrections=corrections,
                found=inputs,
            )
            if not (args.no_report or result.kept_previous):
                from ofsted_themes.reporting.html import write_batch_report

                tags = outputs.staged[args.out]
                made = (
                    provenance(args.model, tagger, version, digest)
                    | {
                        "overridden": sorted(parse_thresholds(args.threshold, tagger.theme_ids)),
                        "failed": len(result.failures),
                        "duplicates": result.duplicates,
                        "absent": result.absent,
                        "failures": beside(failures_path(args.out), args.report),
                        "interrupted": result.interrupted,
                    }
                    | result.warned()
                )
                write_batch_report(
                    outputs.stage(args.report), tags, result.summary, tagger.themes, made
                )
                result.written.insert(2, args.report)
            outputs.commit()
    except KeyboardInterrupt:
        outputs.discard()
        changed = "the outputs were written" if outputs.committed else "no output was changed"
        print(f"\ninterrupted: {changed}", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:  # a full disk, a folder gone, no memory to start a worker
        outputs.discard()
        stopped(exc, "the outputs were written" if outputs.committed else "no output was changed")
        return ExitCode.USAGE
    print_outcome(result, time.perf_counter() - started)
    print_notes(result, args)
    if corrections and corrections.unused():
        unused = ", ".join(printable(d) for d in corrections.unused())
        print(f"warning: --meta rows that match no letter tagged: {unused}", file=sys.stderr)
    made = f"trained on {tagger.metadata.get('data', 'unknown data')}"
    made = (f"version {version}, " if version else "") + made
    if digest:  # what finds its run in MLflow
        made += f"; MLflow tagger_digest {digest}"
    print(f"  model {printable(args.model)} ({made}; fingerprint {tagger.fingerprint()})")
    if result.interrupted:
        print(
            f"interrupted: the {counted(result.letters, 'letter')} tagged before it are in the "
            "outputs; run the same command with --resume to tag the rest",
            file=sys.stderr,
        )
        return INTERRUPTED
    return ExitCode.FAILURES if result.failures else ExitCode.OK


class Run(NamedTuple):
    """What a run needs, each checked before any output is touched."""

    inputs: tuple  # the letters found, and the paths that gave none (find_inputs)
    corrections: Corrections | None  # --meta
    tagger: Tagger
    version: str | None  # the model's registry version, if it came from the registry


def checked_run(args: argparse.Namespace) -> Run:
    """The letters, the ``--meta`` corrections and the model of a run, or ``error:`` lines."""
    # imported after parse_args: --help stays quick
    from ofsted_themes import load_tagger, pinned_model
    from ofsted_themes.core.tables import check_format
    from ofsted_themes.reading.inputs import find_inputs
    from ofsted_themes.tagging.corrections import Corrections
    from ofsted_themes.tagging.letters import INPUT_SUFFIXES

    # "" would be the working folder, and everything under it
    missing = [p for p in args.paths if p == "" or not_found(p)]
    if missing:  # a typo must not replace the outputs of the last run with empty ones
        names = [printable(p) if p else "''" for p in missing]
        fail(ProblemsError([f"{name}: no such file or folder" for name in names]))
    inputs = find_inputs(args.paths, INPUT_SUFFIXES)  # searched once: run_batch is given them
    found, problems = inputs
    if not found:  # a pattern that matches nothing, an empty folder: as bad as a typo
        reasons = [f"{printable(name)}: {reason}" for name, reason in problems]
        fail(ProblemsError(reasons or ["no letters to tag"]))
    try:
        corrections = Corrections.read(args.meta) if args.meta else None
        model, version = pinned_model(args.model)
        tagger = load_tagger(model)
        chosen = parse_thresholds(args.threshold, tagger.theme_ids)
        tagger.thresholds.update(chosen)
        for theme in (t for t, value in chosen.items() if value == 0):  # every score is 0 or more
            print(f"warning: --threshold {theme}=0 tags every sentence {theme}", file=sys.stderr)
        for path in [args.out, args.summary]:
            check_format(path)
        if not args.no_report and args.report.suffix.lower() not in {".html", ".htm"}:
            raise ValueError(f"{args.report}: the report is a web page; use .html")
    except ValueError as error:
        fail(error)
    return Run(inputs, corrections, tagger, version)


def not_found(path: str) -> bool:
    try:
        exists = Path(path).exists()
    except OSError:  # a name longer than the system takes: no such file either
        exists = False
    return not exists and not any(c in path for c in "*?[")


def print_outcome(result, seconds: float) -> None:
    counts = theme_tally(result.theme_counts, result.concern_counts)
    skipped = f" ({result.skipped} already tagged, skipped)" if result.skipped else ""
    letters = counted(result.letters, "letter")
    if result.interrupted:  # not every letter given: the terminal's summary says so too
        letters += " before the interrupt"
    # after --resume the counts are the outputs', earlier letters and all: never this run's alone
    kept = len(result.summary) > result.letters
    scope = f" (all {counted(len(result.summary), 'letter')} in the outputs)" if kept else ""
    if result.letters or len(result.summary) or not result.failures:
        print(
            f"Tagged {letters}, {counted(result.sentences, 'sentence')} in {seconds:.1f}s"
            f"{skipped}; tagged sentences{scope}: {counts}"
        )
    else:  # counts of nothing read as findings of none
        print(f"Tagged no letter in {seconds:.1f}s{skipped}: every file failed (below)")
    for path in result.written:
        print(f"  wrote {printable(path)}")
    if result.kept_previous:
        print("  no table or report written; an earlier run's are as they were")
    if result.failures:
        print_failures(result.failures)


def print_notes(result, args: argparse.Namespace) -> None:
    """What a user may not expect of the run: letters tagged twice, replaced or left out."""
    from ofsted_themes.tagging.batch import letter_warnings  # imported by the run already

    if result.duplicates:
        pairs = some_of([f"{one_line(a)} = {one_line(b)}" for a, b in result.duplicates])
        print(
            "warning: letters with the very same sentences, each counted (one letter twice, in "
            f"two files?): {pairs}",
            file=sys.stderr,
        )
    lists = result.warned()
    for warning in letter_warnings({k: [one_line(n) for n in v] for k, v in lists.items()}):
        print(f"warning: {warning}", file=sys.stderr)
    if result.absent:
        print(
            f"  note: {counted(len(result.absent), 'letter')} of the earlier outputs "
            "not among this run's inputs (moved, deleted, or no longer in their table?) kept "
            "and counted; tag again without --resume to leave them out"
        )
    if result.replaced:
        print(
            f"  note: the earlier {one_line(args.summary)} had "
            f"{counted(len(result.replaced), 'letter')} not in this run, now replaced; to add "
            "letters to a run, tag them with --resume"
        )
    if args.no_report and args.report.exists():
        print(f"  note: {one_line(args.report)} is an earlier run's (--no-report: not rewritten)")


def beside(path: Path, report: Path) -> str:
    """``path`` as the report names it: from the report's folder, where its reader is."""
    try:
        return os.path.relpath(path.resolve(), report.resolve().parent)
    except ValueError:  # another drive (Windows): no relative path
        return str(path.resolve())


def provenance(model: str, tagger, version: str | None, digest: str | None) -> dict:
    """What made the tags, for the report: model (``digest``, its file's, is the tagger_digest
    of its MLflow run), its training, quality in cross-validation and thresholds."""
    return {
        "model": printable(model),
        "version": version,
        "digest": digest,
        "fingerprint": tagger.fingerprint(),
        "data": tagger.metadata.get("data"),
        "cv_macro_f1": tagger.metadata.get("cv_macro_f1"),
        "cv_concern_macro_f1": tagger.metadata.get("cv_concern_macro_f1"),
        "thresholds": dict(tagger.thresholds),
    }


def run() -> None:
    """The ``ofsted-tag`` command."""
    run_command(main)


if __name__ == "__main__":
    run()
