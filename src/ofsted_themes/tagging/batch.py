"""A tagging batch: find the inputs, tag them (streamed, in parallel when there are many), write
the sentence table, the per-letter summary and the failures, each atomically."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.digests import FileStamp, has_changed
from ofsted_themes.core.limits import READ_SECONDS
from ofsted_themes.core.tables import (
    LETTER_COLUMNS,
    read_documents,
    read_table,
    spreadsheet_safe,
    unquote_formulas,
    write_table,
)
from ofsted_themes.core.words import counted, some_of
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.reading.inputs import find_inputs, names_a_descriptor
from ofsted_themes.reading.metadata import KNOWN_AUTHORITIES
from ofsted_themes.tagging.corrections import Corrections
from ofsted_themes.tagging.letters import (
    DISAGREED,
    INPUT_SUFFIXES,
    LETTER_ROW_COLUMNS,
    TABLE_SUFFIXES,
    Outcome,
    Rows,
    document_names,
    letter_columns,
    printable_name,
    tag_files,
    text_digest,
    without_controls,
)
from ofsted_themes.tagging.outputs import (
    OutputError,
    OutputSet,
    check_outputs,
    earlier_outputs,
    failures_path,
    failures_written,
    marker_path,
    own_outputs,
    recover,
    signals_held,
)
from ofsted_themes.tagging.sinks import TableSink
from ofsted_themes.tagging.summary import (
    concerns_of,
    summarise,
    summary_of,
    theme_concerns,
    with_year,
)

PARALLEL_FROM = 8  # files; below this, worker start-up costs more than it saves


@dataclass
class BatchResult:
    letters: int = 0
    sentences: int = 0
    skipped: int = 0
    theme_counts: dict[str, int] = field(default_factory=dict)
    concern_counts: dict[str, int] = field(default_factory=dict)  # of a tagger that says
    failures: list[tuple[str, str]] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per letter, as written
    # every file failed: the tables of the last run were left as they were (only failures written)
    kept_previous: bool = False
    # letters of the outputs this run replaced that it did not tag again (nor fail to)
    replaced: list[str] = field(default_factory=list)
    # (letter, an earlier letter of the run with the very same sentences): one letter twice?
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    # letters a resumed run kept from its outputs whose files it was not given (deleted, moved)
    absent: list[str] = field(default_factory=list)
    # the summary's letters without a single sentence (a scan with a scrap of text, headings
    # alone), a resumed run's earlier ones too: each is a row, so counted as a letter
    empty: list[str] = field(default_factory=list)
    # a table's letters whose rows name two councils, years, ...: those columns left blank
    mixed: list[str] = field(default_factory=list)
    # letters a resumed run skipped, as tagged before, whose files have changed since
    changed: list[str] = field(default_factory=list)
    # the summary's letters whose council is none of England's authorities: "letter (council)"
    unfamiliar: list[str] = field(default_factory=list)
    # the summary's letters with sentences whose council or year was not found, nor given: they
    # roll up under "unknown" ("letter (council, year)": those missing)
    unread: list[str] = field(default_factory=list)
    # a table's letters with rows of several sentences, each row scored as one: "letter (n rows)"
    several: list[str] = field(default_factory=list)
    # Ctrl-C or SIGTERM stopped the run: the letters tagged before it are in the outputs
    interrupted: bool = False

    def warned(self) -> dict[str, list[str]]:
        """The lists of LETTER_WARNINGS, by name."""
        return {kind: getattr(self, kind) for kind in LETTER_WARNINGS}


def sentence_columns(tagger: Tagger) -> list[str]:
    return ["document", *LETTER_ROW_COLUMNS, "sentence_no", "page", "text", *tagger.model_columns()]


@dataclass
class Earlier:
    """What the outputs a run resumes hold: their letters, and each one's ``text_digest`` (in
    the tag table's order), so that a letter tagged now is checked against them too."""

    letters: set[str] = field(default_factory=set)
    digests: dict[str, bytes] = field(default_factory=dict)


def resumed_letters(out: Path, summary: Path, tagger: Tagger) -> Earlier:
    """The letters an earlier run's outputs hold; an OutputError if one cannot be read (a
    damaged table is not appended to), lacks a column this tagger writes, or if the two tables
    do not tell of the same letters."""
    tables = {path: _earlier_table(path) for path in (out, summary) if path.exists()}
    earlier = tables.get(out)
    written = earlier is not None and len(earlier) > 0  # an empty table's columns are whatever
    lacking = [c for c in tagger.model_columns() if written and c not in earlier.columns]
    if lacking:
        raise OutputError(
            [
                f"--resume: {out} has no {', '.join(lacking)} column (written by another "
                "version or model?): tag again without --resume, or choose another --out"
            ]
        )
    check_agreement(out, summary, tables, tagger.theme_ids)
    letters = set().union(*(as_named_now(t.get("document", [])) for t in tables.values()))
    digests = {}
    if out in tables and "text" in tables[out].columns:
        for name, rows in tables[out].groupby("document", sort=False):
            digests[named_now(name)] = text_digest(rows)
    return Earlier(letters, digests)


def _earlier_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv" and not _is_utf8(path):
        raise OutputError(
            [
                f"--resume: {path} is not UTF-8, as tag writes it (saved again by a "
                "spreadsheet, in Windows-1252?), and this run's rows would be appended in "
                'UTF-8: save it as "CSV UTF-8", or tag again without --resume'
            ]
        )
    try:  # read whole: a table appended to must be sound, not its document column alone
        table = read_table(path)
    except Exception as error:  # any reader's fault: pandas', pyarrow's, openpyxl's
        raise OutputError(
            [
                f"--resume: cannot read the earlier {path} ({type(error).__name__}); tag "
                "again without --resume, or choose another --out"
            ]
        ) from None
    if len(table) and "document" not in table.columns:  # whose letters are they? (edited)
        raise OutputError(
            [
                f"--resume: {path} has no document column, as tag writes it (edited?); tag "
                "again without --resume, or choose another --out"
            ]
        )
    return table


def _is_utf8(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as text:
            while text.read(1 << 20):
                pass
    except UnicodeDecodeError:
        return False
    return True


def check_agreement(
    out: Path, summary: Path, tables: dict[Path, pd.DataFrame], theme_ids: list[str]
) -> None:
    """Refuse to resume from a tag table and a summary that do not tell of the same letters and
    counts: a summary named elsewhere, deleted, of another run or edited by hand would have the
    run add its letters to counts that are not the tag table's, or drop the earlier ones."""
    if len(tables) == 1:
        ((present, table),) = tables.items()
        letters = as_named_now(table.get("document", []))
        if letters:
            other, what = (
                (summary, "summary with --summary")
                if present == out
                else (out, "tag table with --out")
            )
            raise OutputError(
                [
                    f"--resume: {present} holds {counted(len(letters), 'letter')}, and "
                    f"{other} is not there: name the earlier run's {what}, or tag again "
                    "without --resume"
                ]
            )
    if len(tables) < 2:
        return
    problems = disagreements(tables[out], tables[summary], theme_ids, (out.name, summary.name))
    if problems:
        raise OutputError(
            [
                f"--resume: {summary} does not match {out} ({some_of(problems, 3)}): the summary "
                "of another run, or a table edited since? name the earlier run's summary with "
                "--summary, or tag again without --resume"
            ]
        )


def disagreements(
    tags: pd.DataFrame, summary: pd.DataFrame, theme_ids: list[str], names: tuple[str, str]
) -> list[str]:
    """Where a summary's sentences, counts and shares are not those its tag table makes, letter
    by letter: the summary is made again from the tag table, as the run made it (``names``: the
    tag table's file name and the summary's)."""
    tags_name, summary_name = names
    if "document" not in summary.columns:  # an empty file's table: no columns at all
        return [f"{summary_name} has no document column"]
    counted = [*theme_ids, *(["concern"] if "concern" in tags else [])]
    tagged = pd.DataFrame(
        {t: pd.to_numeric(tags[t], errors="coerce") if t in tags else 0 for t in counted},
        index=tags.index,
    )  # numbers, however the table was read back (an empty one's columns are text)
    tagged.insert(0, "document", [named_now(d) for d in tags.get("document", [])])
    given = summary.assign(document=[named_now(d) for d in summary["document"]])
    given = given.drop_duplicates("document")
    made = summarise(tagged, given[["document"]], theme_ids).set_index("document")
    figures = ["sentences", *(f"{t}_count" for t in theme_ids), *(f"{t}_share" for t in theme_ids)]
    figures += [concerns_of(t) for t in theme_ids if concerns_of(t) in made.columns]
    known = set(given["document"])
    given = given.set_index("document").reindex(index=made.index, columns=figures)
    given = given.apply(pd.to_numeric, errors="coerce")  # a cell edited to text is wrong too
    wrong = given.isna() | (given != made[figures])
    problems = []
    for document, row in wrong.iterrows():
        if document not in known:
            problems.append(f"{printable_name(document)} is in {tags_name} alone")
        elif row.any():
            column = row.idxmax()  # the first figure that differs
            problems.append(
                _difference(
                    printable_name(document),
                    column,
                    (given.at[document, column], made.at[document, column]),
                    names,
                )
            )
    return problems


def _difference(letter: str, column: str, figures: tuple, names: tuple[str, str]) -> str:
    """How a letter's figure in the summary differs from the one its tag table makes."""
    given, made = figures
    tags_name, summary_name = names
    if column.endswith("_share"):
        return f"{letter}: a {column} of {given} in {summary_name}, {made} from {tags_name}"
    what = "sentences" if column == "sentences" else f"{column.removesuffix('_count')} sentences"
    if column.endswith("_concerns"):
        what = f"{column.removesuffix('_concerns')} sentences raising a concern"
    if isinstance(given, float) and given.is_integer():  # 3, not 3.0, as it was read back
        given = int(given)
    return f"{letter}: {given} {what} in {summary_name}, {made} in {tags_name}"


def earlier_letters(summary: Path) -> set[str]:
    """The letters of the summary this run will replace (none if it cannot be read): only a
    note depends on them, so its document column is read alone, and a damaged summary is
    simply replaced."""
    try:
        return as_named_now(read_documents(summary)) if summary.exists() else set()
    except Exception:
        return set()


def as_named_now(names: Iterable) -> set[str]:
    """Letters' names read back from an earlier run's outputs, as this version names them."""
    return {named_now(name) for name in names}


def named_now(name: object) -> str:
    """An earlier version wrote control characters as they were (``without_controls``), and
    named a table's rows with a blank ``document`` cell ``table.csv::`` (``letter_name``)."""
    name = without_controls(str(name))
    table = name[:-2]
    if name.endswith("::") and "::" not in table and Path(table).suffix.lower() in TABLE_SUFFIXES:
        return table
    return name


# what a reader of the counts is told of the letters without a sentence (BatchResult.empty)
NO_SENTENCE = (
    "gave no sentence, each counted as a letter with 0 sentences (a scan with a scrap of text? "
    "headings alone?)"
)
SAME_NAME = "another letter of this run has the same name: rename the file or the table's letter"
# what a reader of the counts is told of a table's letters whose rows disagree (BatchResult.mixed)
MIXED = (
    "of tables whose rows name more than one value of a column (two councils, two years), which "
    "is left blank (a council or year rolls up under 'unknown'): correct the table, or give the "
    "letter's value with --meta"
)
FILLED_BY = {"year": "visit_date"}  # a table's year is its letter's visit date
CHANGED = (
    "changed since an earlier run tagged the file, and not read again (--resume skips a letter "
    "it has tagged): the rows are of the file as it was; tag again without --resume to take "
    "the change"
)
# what a reader of the counts by council is told of a council no authority is named by
UNFAMILIAR = (
    "named a council that is none of England's local authorities (a typo in a table, a name read "
    "wrongly from a letter, a typo in --meta?), each counted under that name: give or correct "
    "the letter's council with --meta"
)
UNREAD = (
    "gave no council or no visit year (none read from the letter nor given, or its table's rows "
    "disagree), each counted under 'unknown' there: give them with --meta"
)
# what a reader of the counts is told of a table's rows of several sentences
SEVERAL = (
    "read from tables had rows holding several sentences (a paragraph or a letter a row? rows "
    "joined by a quotation mark left open?), each row scored and counted as one sentence: tag "
    "with --split-rows to tag each of their sentences"
)
# the warnings of letters counted as a reader may not expect, by their list in BatchResult
LETTER_WARNINGS = {
    "empty": NO_SENTENCE,
    "mixed": MIXED,
    "changed": CHANGED,
    "unfamiliar": UNFAMILIAR,
    "unread": UNREAD,
    "several": SEVERAL,
}


def letter_warnings(lists: dict[str, list[str]]) -> list[str]:
    """The terminal's and the report's words for each list of LETTER_WARNINGS that has letters
    (``lists``: BatchResult's lists by name, the names as the reader is shown them)."""
    return [
        f"{counted(len(names), 'letter')} {LETTER_WARNINGS[kind]}: {some_of(names)}"
        for kind, names in lists.items()
        if names
    ]


EARLIER_OUTPUT = (
    "an output of an earlier tag run, not a letter: keep outputs out of the folders of letters "
    "(to tag a run's sentences again, name its sentence table, its --out, on its own)"
)


def _without_earlier_outputs(
    paths: list[Path], failures: list, inputs: list[str], planned: Iterable[Path], out: Path
) -> tuple[list[Path], list]:
    """The letters found without the tables and reports an earlier run left among them (each a
    failure with its reason, but for those this run writes again: outputs kept in the folder
    of letters), unless named on their own; an output named on its own is left for
    check_outputs to refuse."""
    named = {Path(name).resolve() for name in inputs if name}
    earlier = {p for p in earlier_outputs(paths) if p.resolve() not in named}
    if not earlier:
        return paths, failures
    ours = {p.resolve() for p in planned} | own_outputs(out)
    found = [(str(p), EARLIER_OUTPUT) for p in paths if p in earlier and p.resolve() not in ours]
    letters = [p for p in paths if p not in earlier]
    if not letters and not failures and not found:  # the run would empty its own tables
        raise OutputError([f"{some_of(inputs)}: no letters to tag, only this run's own outputs"])
    return letters, failures + found


def interruptible(
    outcomes: Generator[Outcome, None, None], total: int, result: BatchResult, keeps_work: bool
) -> Iterator[Outcome]:
    """The ``total`` outcomes until Ctrl-C or SIGTERM, which arrive only between two (an
    outcome is written whole or not at all); then, where the run ``keeps_work`` and has tagged
    letters, the run ends there, ``result.interrupted`` set, to write what it tagged (said at
    once: writing takes a while); else the interrupt goes on, and no output changes."""
    given = 0
    try:
        for outcome in outcomes:
            with signals_held():
                yield outcome
                given += 1
    except KeyboardInterrupt:
        outcomes.close()  # no worker outlives the batch
        if not (keeps_work and result.letters):
            raise
        result.interrupted = given < total  # not so if it came as the last one was written
        if result.interrupted:
            print(
                f"\ninterrupted: writing the {counted(result.letters, 'letter')} tagged so far",
                file=sys.stderr,
            )


def workers_for(files: int, jobs: int) -> int:
    """Worker processes for ``files``: each loads the model, so never more than the files or
    the cores can keep busy."""
    if jobs > 0:
        return max(1, min(jobs, files, os.cpu_count() or 1))
    return min(os.cpu_count() or 1, 2) if files >= PARALLEL_FROM else 1


def run_batch(
    tagger: Tagger,
    inputs: list[str],
    *,
    out: Path,
    summary: Path,
    text_column: str = "text",
    split_rows: bool = False,
    resume: bool = False,
    jobs: int = 0,
    model_path: str | None = None,
    progress: bool | None = None,
    seconds: float | None = READ_SECONDS,
    outputs: OutputSet | None = None,
    corrections: Corrections | None = None,
    found: tuple[list[Path], list[tuple[str, str]]] | None = None,
) -> BatchResult:
    """Tag every input; failed files are listed, never fatal. The outputs are staged in
    ``outputs`` (the caller adds its own and commits them), or committed here if none is given."""
    from tqdm import tqdm

    # ``found``: what find_inputs gave the caller for ``inputs``, when it has looked already
    paths, failures = find_inputs(inputs, INPUT_SUFFIXES) if found is None else found
    own = outputs is None
    outputs = outputs or OutputSet(out)
    planned = {"--out": out, "--summary": summary, "failures": failures_path(out)}
    planned |= outputs.planned
    paths, failures = _without_earlier_outputs(paths, failures, inputs, planned.values(), out)
    record = recover(out, list(planned.values()))  # an interrupted commit is finished first
    if resume:
        check_resumable(record, tagger, out, split_rows)
    check_outputs(
        planned, [*paths, *([corrections.path] if corrections and corrections.path else [])]
    )
    resumed = resumed_letters(out, summary, tagger) if resume else Earlier()
    done = resumed.letters
    root = resumed_root(record, out, paths, done) if resume else Path.cwd()
    outputs.record = {"model": tagger.fingerprint(), **root_record(root, out)}
    outputs.record["split_rows"] = split_rows
    names = document_names(paths, root)
    paths, names, clashes = without_clashes(paths, names)
    failures = failures + clashes
    earlier = set() if resume else earlier_letters(summary)
    if corrections:  # a resumed run corrects the earlier letters' rows too
        corrections.check(names + sorted(done - set(names)))
    named_failures = [(failure_name(n, root), printable_name(r)) for n, r in failures]
    # one file reached twice (named, and in a named folder) is one failure
    result = BatchResult(failures=list(dict.fromkeys(named_failures)))
    if resume:  # an earlier run's failure of a file this run is not given, still there, stays
        given = set(names) | {name for name, _ in result.failures}
        result.failures += [
            (name, reason)
            for name, reason in earlier_failures(record, out)
            if name not in given and (root / name).exists()
        ]
    # a table is read again however many of its letters are done (it may have gained sheets or
    # a document column since): its letters not done are appended
    todo = [
        (p, n)
        for p, n in zip(paths, names, strict=True)
        if n not in done or p.suffix.lower() in TABLE_SUFFIXES
    ]
    result.skipped = len(paths) - len(todo)
    # each letter file as it was read, by name: the earlier run's for the letters skipped now
    stamps = {n: s for n, s in recorded_stamps(record).items() if n in done} if resume else {}
    result.changed = [
        n for p, n in zip(paths, names, strict=True) if n in stamps and has_changed(p, stamps[n])
    ]
    sink = TableSink(out, sentence_columns(tagger), resume=resume)
    tallies: list[dict] = []  # one small row per letter: memory stays flat
    texts_seen: dict[bytes, str] = {}  # a digest of each letter's sentences -> the letter
    for name, digest in resumed.digests.items():  # the earlier letters count as tagged first
        if (first := texts_seen.setdefault(digest, name)) != name:
            result.duplicates.append((name, first))
    named: set[str] = set()  # the letters' names: one name, one row of the summary
    held: set[str] = set()  # every letter the files read hold, tagged now or before
    bar = tqdm(
        total=len(todo),
        unit="letter",
        disable=not (sys.stderr.isatty() if progress is None else progress),
    )
    # an interrupted run keeps the letters it tagged where that loses nothing: appending to the
    # outputs it resumes, or writing outputs none had written; never replacing a finished run's
    keeps_work = resume or not (out.exists() or summary.exists())
    outcomes = tag_files(
        tagger,
        todo,
        text_column,
        workers=workers_for(len(todo), jobs),
        model_path=model_path,
        seconds=seconds,
        done=done,
        split_rows=split_rows,
    )
    try:
        for outcome in interruptible(outcomes, len(todo), result, keeps_work):
            bar.update()
            result.skipped += outcome.skipped
            if outcome.error:
                result.failures.append((outcome.name, outcome.error))
                continue
            if outcome.stamp:
                stamps[outcome.name] = outcome.stamp
            held |= set(outcome.held)
            result.several += [f"{n} ({counted(k, 'row')})" for n, k in outcome.several.items()]
            result.changed += [  # a table's letters that are not what was tagged
                name
                for name, digest in outcome.skipped_digests.items()
                if resumed.digests.get(name, digest) != digest
            ]
            for rows, meta in outcome.letters:
                if meta["document"] in named:  # a file named as a table's letter ("t.csv::a")
                    result.failures.append((meta["document"], SAME_NAME))
                    continue
                named.add(meta["document"])
                disagreed = meta.pop(DISAGREED, [])
                if corrections:  # the rows take the corrected council and year too
                    meta = corrections.apply(meta)
                    rows |= letter_columns(meta, len(rows["document"]))
                if blank := [c for c in disagreed if not meta.get(FILLED_BY.get(c, c))]:
                    result.mixed.append(f"{meta['document']} ({', '.join(blank)})")
                tallies.append(tally(rows, meta, tagger.theme_ids))
                if tallies[-1]["sentences"]:  # an empty letter has no rows, only its tally
                    sink.write(rows)
                    first = texts_seen.setdefault(text_digest(rows), meta["document"])
                    if first != meta["document"]:
                        result.duplicates.append((meta["document"], first))
                result.letters += 1
                result.sentences += tallies[-1]["sentences"]
        if keeps_work:  # from here, an interrupt waits until what was tagged is written
            outputs.hold_signals()
        summary_frame = _summary(tagger, tallies, summary if resume else None, corrections)
        if resume:  # the earlier letters' rows of several sentences are still in the outputs
            result.several = kept_several(record, summary_frame, result.several)
        # a wrong --text-column, say, fails every file: that must not empty the last run's tables
        result.kept_previous = not result.letters and bool(result.failures) and not resume
        if result.kept_previous:
            sink.abort()
        else:
            staged = sink.finish(outputs.stage(out))
            if resume:  # the earlier rows: as the summary now has their letters
                align_letter_columns(staged, summary_frame)
            write_table(summary_frame, outputs.stage(summary))
            result.written += [out, summary]
        outputs.record |= {"failures": bool(result.failures), "failures_named": True}
        outputs.record["interrupted"] = result.interrupted  # its letters are not all given
        outputs.record["several"] = result.several
        outputs.record["files"] = {n: list(stamp) for n, stamp in stamps.items()}
        if result.failures:
            frame = pd.DataFrame(result.failures, columns=["file", "reason"])
            write_table(frame, outputs.stage(failures_path(out)))
            result.written.append(failures_path(out))
        else:
            # a clean run removes the failures table its own earlier run wrote (the marker of
            # --out says so), never that of another run into the folder (no marker of ours)
            for written in failures_written(record, out):
                outputs.remove(written)
    except BaseException:
        sink.abort()
        outputs.discard()
        raise
    finally:
        bar.close()
    result.summary = summary_frame
    result.empty = summary_frame.loc[summary_frame["sentences"] == 0, "document"].tolist()
    result.unfamiliar = unfamiliar_councils(summary_frame)
    result.unread = unread_letters(summary_frame, result.mixed)
    if resume:
        result.absent = absent_letters(done, paths, names, held)
    if not result.kept_previous:
        failed = {name for name, _ in result.failures}
        result.replaced = sorted(earlier - set(summary_frame["document"]) - failed)
    result.theme_counts = {t: int(summary_frame[f"{t}_count"].sum()) for t in tagger.theme_ids}
    result.concern_counts = {
        t: int(summary_frame[concerns_of(t)].sum())
        for t in tagger.theme_ids
        if concerns_of(t) in summary_frame
    }
    if own:
        outputs.commit()
    return result


def unfamiliar_councils(summary: pd.DataFrame) -> list[str]:
    """The letters whose council is none of England's authorities as ``area_name`` names them
    (the summary's councils are named so already): "letter (council)"."""
    named = summary[["document", "council"]].dropna()
    return [
        f"{letter} ({council})"
        for letter, council in named.itertuples(index=False)
        if council and council not in KNOWN_AUTHORITIES
    ]


def unread_letters(summary: pd.DataFrame, mixed: list[str]) -> list[str]:
    """The letters with sentences whose council or year is blank, but for a table's letters
    whose rows disagree there (warned of as such): "letter (council, year)", those missing."""
    warned = {name.rsplit(" (", 1)[0] for name in mixed}
    unread = []
    for letter, council, year, sentences in summary[
        ["document", "council", "year", "sentences"]
    ].itertuples(index=False):
        missing = [
            name for name, value in (("council", council), ("year", year)) if not _given(value)
        ]
        if missing and sentences and letter not in warned:
            unread.append(f"{letter} ({', '.join(missing)})")
    return unread


def _given(value: object) -> bool:
    return not pd.isna(value) and str(value).strip() != ""


def root_record(root: Path, out: Path) -> dict[str, str]:
    """Where the letters' names start (``document_names``), for ``--resume``: the folder, and
    the way there from the outputs' folder, which holds when the two move together."""
    record = {"root": str(root.resolve())}
    with suppress(ValueError):  # on another drive, there is no way there
        record["root_from_out"] = os.path.relpath(root.resolve(), out.parent.resolve())
    return record


def resumed_root(record: dict, out: Path, paths: list[Path], done: set[str]) -> Path:
    """The folder the earlier run named its letters from, of those it may be: found from the
    outputs (they moved with it: a project folder renamed, copied, on another machine), where
    it was, or the current folder; the one under which most of the letters given are named as
    the earlier ones were. Named from another, every letter was another, tagged again and
    counted twice."""
    beside, recorded = record.get("root_from_out"), record.get("root")
    candidates = [
        *([(out.parent / beside).resolve()] if isinstance(beside, str) else []),
        *([Path(recorded)] if isinstance(recorded, str) else []),
        Path.cwd(),
    ]
    files = {name.split("::", 1)[0] for name in done}  # a table's letters: the table's name
    found = [c for c in dict.fromkeys(candidates) if c.is_dir()] or [Path.cwd()]
    return max(found, key=lambda root: len(files.intersection(document_names(paths, root))))


def without_clashes(
    paths: list[Path], names: list[str]
) -> tuple[list[Path], list[str], list[tuple[str, str]]]:
    """The files whose name no earlier file of the run has, and a failure for each other: two
    names can be written alike (a newline in one, the characters ``\\n`` in the other), and
    ``--resume`` would take the second for the first, done."""
    kept: dict[str, Path] = {}
    clashes = []
    for path, name in zip(paths, names, strict=True):
        if name in kept:
            clashes.append((str(path), SAME_NAME))
        else:
            kept[name] = path
    return list(kept.values()), list(kept), clashes


def earlier_failures(record: dict, out: Path) -> list[tuple[str, str]]:
    """The files the earlier run into ``out`` could not tag, with their reasons, as its failures
    table has them (none where it wrote none, or it cannot be read)."""
    found: list[tuple[str, str]] = []
    for path in failures_written(record, out):
        try:
            table = read_table(path) if path.exists() else pd.DataFrame()
        except (OSError, ValueError):  # a damaged table: its failures are told of no longer
            continue
        if {"file", "reason"} <= set(table.columns):
            found += zip(table["file"].astype(str), table["reason"].astype(str), strict=True)
    return list(dict.fromkeys(found))


def failure_name(name: str, root: Path) -> str:
    """An input that gave nothing, named as the tag table names letters when it is a file (an
    unsupported or an earlier output), so that both tables name a file alike; as given
    otherwise (no such file, a pattern that matched nothing, standard input: what it links
    to is no file the user named)."""
    path = Path(name)
    try:
        is_file = path.is_file() and not names_a_descriptor(path)
    except OSError:  # a path longer than the system takes: named as given
        is_file = False
    return document_names([path], root)[0] if is_file else printable_name(name)


def absent_letters(
    done: set[str], paths: list[Path], names: list[str], held: set[str]
) -> list[str]:
    """The letters of earlier outputs that none of this run's inputs is: a file's letter by its
    name; a table's (``table.csv::<letter>``, or the table's own name) by the letters the table
    holds now, when it was read (a letter renamed by a correction, or split by council, is no
    longer there), else by the table's name."""
    tables = {n for p, n in zip(paths, names, strict=True) if p.suffix.lower() in TABLE_SUFFIXES}

    def table_of(letter: str) -> str | None:  # a table's own name may hold "::" too
        at = -1
        while (at := letter.find("::", at + 1)) >= 0:
            if letter[:at] in tables:
                return letter[:at]
        return letter if letter in tables else None

    read = {table_of(letter) for letter in held} - {None}
    files = set(names)
    absent = []
    for letter in done:
        table = table_of(letter)
        if (table in read and letter not in held) or (table is None and letter not in files):
            absent.append(letter)
    return sorted(absent)


def recorded_stamps(record: dict) -> dict[str, FileStamp]:
    """The letter files an earlier run read, by name, as its marker's record has them (none
    from a version that recorded none, and none of a damaged entry)."""
    files = record.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        name: FileStamp(*entry)
        for name, entry in files.items()
        if isinstance(entry, list) and len(entry) == 3
        and [type(v) for v in entry] == [int, int, str]
    }  # fmt: skip


def kept_several(record: dict, summary: pd.DataFrame, found: list[str]) -> list[str]:
    """The warnings of rows of several sentences (``BatchResult.several``) of the earlier
    letters the outputs still hold, which this run did not read again, then ``found``."""
    again = {entry.rsplit(" (", 1)[0] for entry in found}
    held = set(summary["document"])
    earlier = [e for e in record.get("several") or [] if isinstance(e, str)]
    named = [(e, e.rsplit(" (", 1)[0]) for e in earlier]
    return [e for e, name in named if name in held and name not in again] + found


def check_resumable(record: dict, tagger: Tagger, out: Path, split_rows: bool = False) -> None:
    """``--resume`` appends to ``out`` only what the same model would have written, which the
    marker beside it records: without one (copied without hidden files, damaged), tags of
    other thresholds were appended unsaid; and tables' rows read as the earlier run read them
    (given, or split: ``--split-rows``), or a letter's rows would be of two kinds."""
    made_by = record.get("model")
    if out.exists() and not isinstance(made_by, str):
        raise OutputError(
            [
                f"--resume: nothing records the model that wrote {out} (its marker "
                f"{marker_path(out).name} is missing or damaged: copied without hidden files?); "
                "tag again without --resume, or choose another --out"
            ]
        )
    if out.exists() and bool(record.get("split_rows")) != split_rows:
        earlier = "split into sentences" if record.get("split_rows") else "as given"
        raise OutputError(
            [
                f"--resume: the run that wrote {out} read tables' rows {earlier}: resume "
                f"{'with' if record.get('split_rows') else 'without'} --split-rows, or tag "
                "again without --resume"
            ]
        )
    if out.exists() and made_by != tagger.fingerprint():
        raise OutputError(
            [
                f"--resume: {out} was written by another model or other thresholds; tag again "
                "without --resume, or choose another --out"
            ]
        )


def tally(rows: Rows, meta: dict, theme_ids: list[str]) -> dict:
    """A letter's metadata, sentence count and tagged sentences per theme, and of them those
    raising a concern (where the rows say)."""
    counts = {t: int(rows[t].sum()) for t in theme_ids}
    if "concern" in rows:
        counts |= {key: int(of.sum()) for key, of in theme_concerns(rows, theme_ids).items()}
    sentences = {"sentences": len(rows["sentence_no"])}
    return {c: meta.get(c) for c in ["document", *LETTER_COLUMNS]} | sentences | counts


def align_letter_columns(table: Path, summary: pd.DataFrame) -> None:
    """Give every row of a resumed sentence table its letter's council and year as ``summary``
    has them, beside ``document``: the earlier rows were written before --meta corrected their
    letters, or by a version that wrote no such columns. A CSV is rewritten cell for cell (its
    texts as written, quotes and all); other formats are read and written back."""
    csv = table.suffix.lower() == ".csv"
    rows = pd.read_csv(table, dtype=str, keep_default_na=False) if csv else read_table(table)
    letters = summary.drop_duplicates("document").set_index("document")
    names = unquote_formulas(rows[["document"]])["document"] if csv else rows["document"]
    for column in LETTER_ROW_COLUMNS:
        values = names.map(letters[column]).astype(object)
        rows[column] = values.where(values.notna(), "" if csv else None)
    if csv:  # the other cells are as written, quoted already; these are the summary's, bare
        rows[LETTER_ROW_COLUMNS] = spreadsheet_safe(rows[LETTER_ROW_COLUMNS].astype(str))
    rest = [c for c in rows.columns if c not in ("document", *LETTER_ROW_COLUMNS)]
    rows = rows[["document", *LETTER_ROW_COLUMNS, *rest]]
    if csv:
        write_atomic(table, lambda f: rows.to_csv(f, index=False))
    else:
        write_table(rows, table)


def _summary(
    tagger: Tagger,
    tallies: list[dict],
    previous: Path | None,
    corrections: Corrections | None = None,
) -> pd.DataFrame:
    """One row per letter, in tagging order, after the rows of ``previous`` (a resumed run),
    which ``corrections`` correct as they do the letters tagged now."""
    summary = summary_of(tallies, tagger.theme_ids, tagger.has_concerns)
    if previous is None or not previous.exists():
        return summary
    earlier = _corrected(read_table(previous), corrections)
    return with_year(pd.concat([earlier, summary], ignore_index=True))  # of corrected dates too


def _corrected(rows: pd.DataFrame, corrections: Corrections | None) -> pd.DataFrame:
    if corrections is None or rows.empty:
        return rows
    columns = [c for c in LETTER_COLUMNS if c in rows.columns]
    fixed = [corrections.apply(r) for r in rows[["document", *columns]].to_dict("records")]
    rows[columns] = pd.DataFrame(fixed, columns=columns, index=rows.index).astype(object)
    return rows
