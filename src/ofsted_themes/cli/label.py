"""python -m label: grow the labelled set from your own letters, most informative sentences first.

    python -m label suggest TAGS_TABLE --n 50 --out to_label.csv   a CSV to fill in
    python -m label import to_label.csv                            add its labels
    python -m label review TAGS_TABLE --n 50                       label in the terminal

TAGS_TABLE is a sentence table written by `python -m tag`. Labels are appended to
data/labels/user.csv (--labels), never overwriting or duplicating earlier ones; train on them with
`python -m train data=seeds+letters+user` (the default data plus yours).
Exit status: 0 done, 1 the file to import was refused (nothing written), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ofsted_themes.cli.common import (
    DEFAULT_MODEL,
    INTERRUPTED,
    error,
    errors,
    output_file,
    problems_of,
    run_command,
    starting_up,
    stopped,
)
from ofsted_themes.core.errors import ExitCode, OfstedThemesError, ProblemsError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m label",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `python -m label COMMAND --help` for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--labels",
            type=output_file,
            default=None,
            help="the user-label table (default: conf/train.yaml's user_labels)",
        )

    def picking(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("tags", type=Path, metavar="TAGS_TABLE", help="a `python -m tag` output")
        sub.add_argument("--n", type=int, default=50, help="how many sentences (default 50)")
        sub.add_argument(
            "--model", default=str(DEFAULT_MODEL), help="the tagger whose thresholds to use"
        )
        common(sub)

    suggest = commands.add_parser(
        "suggest", help="write the sentences the model is least sure about to a CSV to fill in"
    )
    picking(suggest)
    suggest.add_argument(
        "--out", type=output_file, default=Path("reports/to_label.csv"), help="the CSV to fill in"
    )
    suggest.add_argument(
        "--force", action="store_true", help="overwrite --out even if labels are filled in"
    )
    importing = commands.add_parser("import", help="validate a filled-in CSV and append its labels")
    importing.add_argument("file", type=Path, metavar="CSV", help="a filled-in suggestion file")
    common(importing)
    review = commands.add_parser("review", help="label sentences one at a time in the terminal")
    picking(review)
    args = parser.parse_args(argv)
    if getattr(args, "n", 1) < 1:
        parser.error("--n must be at least 1")
    return args  # the files it writes are checked once the label store is known (main)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="replace")
    from ofsted_themes import labelling
    from ofsted_themes.cli.review import run_review

    try:
        setup = labelling.settings()
        labels = args.labels or setup.labels
        check_writable({"--labels": labels, "--out": getattr(args, "out", None)})
        if args.command == "import":
            return run_import(args.file, labels, setup)
        if args.command == "suggest":
            check_out(args.out, labels, args.tags, args.model, setup.labelled)
        with starting_up():  # reading the model: see core.collector
            candidates, tagger, digest = pick(args, labels, setup)
        if args.command == "suggest":
            return run_suggest(args, candidates, tagger, labels, digest)
        return run_review(candidates, tagger, labels, digest, setup.labels)
    except OfstedThemesError as exc:
        errors(problems_of(exc))
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:  # a full disk, a folder gone: each file is written whole or not
        stopped(exc, "what was saved before is kept, and the file being written is as it was")
        return ExitCode.USAGE


def check_writable(files: dict[str, Path | None]) -> None:
    """The files this command writes, each a file it can write (the default label store too):
    a usage error, not a traceback, before any work."""
    from ofsted_themes.tagging.outputs import unwritable

    problems = []
    for option, path in files.items():
        if path is not None and path.is_dir():
            problems.append(f"{option} {path} is a folder: name a CSV file")
        elif path is not None and (why := unwritable(path)):
            problems.append(f"{option} {path} cannot be written ({why})")
    if problems:
        raise ProblemsError(problems)


def pick(args, labels: Path, setup):
    """The candidates of the tag table, most informative first, skipping labelled sentences."""
    from ofsted_themes import labelling, load_tagger

    tagger = load_tagger(args.model)
    labelling.check_model_themes(tagger.theme_ids, setup.theme_ids)
    table = labelling.read_tag_table(args.tags, tagger.theme_ids)
    warn_if_tagged_by_another_model(args.tags, args.model, tagger.fingerprint())
    done = labelling.labelled_texts(labels, tagger.theme_ids)
    for labelled_set in setup.labelled:
        done |= labelling.set_texts(labelled_set)
    candidates = labelling.select(table, tagger.theme_ids, tagger.thresholds, args.n, done)
    return candidates, tagger, labelling.file_digest(args.tags)


def warn_if_tagged_by_another_model(tags: Path, model: str, fingerprint: str) -> None:
    """How sure the model is of a sentence is its score against the threshold: one model's
    scores against another's thresholds rank the wrong sentences first."""
    from ofsted_themes.tagging.outputs import recorded_model

    made_by = recorded_model(Path(tags))
    if made_by and made_by != fingerprint:
        print(
            f"warning: {tags} was tagged by another model or other thresholds than {model}: "
            f"its scores are compared with {model}'s thresholds; give --model the model that "
            "tagged it, or tag the letters again with this one",
            file=sys.stderr,
        )


def run_suggest(args, candidates, tagger, labels: Path, digest: str) -> int:
    from ofsted_themes import labelling
    from ofsted_themes.core.atomic import write_atomic
    from ofsted_themes.core.tables import spreadsheet_safe

    if args.out.exists() and not args.force:
        if not labelling.is_suggestion_file(args.out):
            error(
                f"{args.out} exists and is not a suggestion file of label suggest: choose "
                "another --out, or use --force to replace it"
            )
            return 2
        waiting = labelling.unimported(args.out, tagger.theme_ids, labels)
        if waiting:
            error(
                f"{args.out} has {waiting} labelled row(s) not imported yet: import them first "
                f"(python -m label import {args.out}), choose another --out, or use --force"
            )
            return 2
    table = labelling.suggestion_table(candidates, tagger.theme_ids, tagger.thresholds, digest)
    write_atomic(args.out, lambda f: spreadsheet_safe(table).to_csv(f, index=False))
    letters = table["document"].nunique()
    print(f"{len(table)} sentences from {letters} letter(s), least certain first: {args.out}")
    if len(table) < args.n:
        print(f"  (only {len(table)} left that are not labelled yet and not near-copies)")
    themes = ", ".join(tagger.theme_ids)
    store = f" --labels {labels}" if args.labels else ""  # else the store it would not write
    print(
        f"Fill in the columns {themes} with 1 or 0 (leave a whole row blank to skip it), and "
        "direction for a sentence with a theme (concern, strength, mixed or neutral; or blank), "
        f"then: python -m label import {args.out}{store}"
    )
    return 0


def check_out(out: Path, labels: Path, tags: Path, model: str, labelled=()) -> None:
    """Refuse an --out that is a file suggest reads, --force or not: it would be replaced; and
    one named as another format than the CSV written (Excel refuses a CSV named .xlsx)."""
    read = [(labels, "the label store (--labels)"), (tags, "the tag table read")]
    read += [(Path(kept), "a labelled set the model is trained on") for kept in labelled]
    for kept, what in [*read, (Path(model), "the model (--model)")]:
        if _same_file(out, kept):
            raise ProblemsError([f"--out {out} is {what}: choose another --out"])
    if out.suffix.lower() != ".csv":
        raise ProblemsError([f"--out {out}: label suggest writes a CSV; name it .csv"])


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links and relative paths alike)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or Path(a).samefile(b)
    except OSError:  # one of them does not exist yet
        return False


def run_import(file: Path, labels: Path, setup) -> int:
    from ofsted_themes import labelling

    theme_ids = setup.theme_ids
    if not file.is_file():
        error(f"{file}: file not found")
        return 2
    try:
        imported = labelling.read_import(file, theme_ids)
        outcome = labelling.append_labels(labels, imported.rows, theme_ids)
    except labelling.LabelError as exc:
        errors(exc.problems)
        print(f"nothing imported: fix what is named above and import {file} again", file=sys.stderr)
        return 1
    print(f"Imported {outcome.added} labelled sentence(s) into {labels}")
    if outcome.added or outcome.directed:
        print(f"  train on them: {labelling.train_command(labels, setup.labels)}")
    if outcome.already:
        differ = f", {outcome.differing} with different labels" if outcome.differing else ""
        directed = (
            f"; {outcome.directed} of them given the direction they lacked"
            if outcome.directed
            else ""
        )
        print(f"  {outcome.already} already labelled (earlier labels kept{differ}){directed}")
    if imported.repeated:
        print(f"  {imported.repeated} repeated row(s) of the file counted once")
    if imported.blank:
        print(f"  {imported.blank} row(s) with no label filled in, skipped")
    return 0


def run() -> None:
    """The ``ofsted-label`` command."""
    run_command(main)


if __name__ == "__main__":
    run()
