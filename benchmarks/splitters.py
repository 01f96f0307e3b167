"""Sentence splitters compared on this project's boundaries and speed, side by side in one run.

    python benchmarks/splitters.py [--out benchmarks/results/splitters.md] [--repeats 5]

Candidates: this project's splitter (nupunkt with the project's rules: windows, quotation
splits, merges after titles such as "Cllr."), the previous one (the same rules around pysbd) and
pysbd alone, the compiled splitters blingfire (C++), nupunkt-rs, sakurs and sentencex (Rust),
and nupunkt alone (the project's model without the rules). pysbd and the compiled splitters are
not project dependencies: a candidate that cannot be imported is listed with a note (install it
elsewhere and put it on PYTHONPATH to measure it). Each runs alone (paragraph by paragraph)
and, as "+ rules", in place of nupunkt inside this project's splitter (a stand-in with nupunkt's
``tokenize(text) -> list[str]``, the project's segmenter put back afterwards).

Correctness, against sentences a person split (sentence = exact start and end):
- the real letters (data/letters/train), consecutive sentences of a page joined into
  paragraphs of 3-5 (tests/sentence_corpora.py), and the invented letters of data/dev;
- the seed articles (data/raw, offsets in data/sentences.csv and data/excluded.csv);
- hand-written hard cases: titles, "e.g.", numbered paragraphs, bullets, quotations, decimals,
  times, initials;
- tests/test_sentences.py run with the candidate in place of the splitter (its behaviour tests;
  the known-wrong cases marked xfail run as ordinary tests, so each splitter is judged on them);
- the fixture letters (tests/fixtures/letters), which have no labels: sentences the same as this
  splitter's.

Speed: CPU time (process_time, one process) to split the same texts, median of --repeats, as a
ratio against the previous splitter (pysbd + rules) and pysbd alone in the same run, or against
nupunkt alone where pysbd is not installed: letter-like text (the fixture letters and 20-page
reports built from their paragraphs, as benchmarks/letters.py builds them, through
letter_sentences) and the real-letter paragraphs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the corpora and the fixture letters

import letter_factory as lf  # noqa: E402
import sentence_corpora as sc  # noqa: E402

from ofsted_themes.reading import sentences as S  # noqa: E402

TESTS = ROOT / "tests" / "test_sentences.py"
THIS = "this splitter: nupunkt + rules"
PYSBD_RULES = "pysbd + rules (previous splitter)"
PYSBD = "pysbd alone"
NUPUNKT = "nupunkt alone"

Segment = Callable[[str], list[str]]  # a text's sentences, as strings, in order
Paragraph = Callable[[S.Span], Iterable[S.Span]]  # a paragraph's sentences, with offsets


@dataclass
class Candidate:
    name: str
    paragraph: Paragraph | None  # None: not installed
    segment: Segment | None = None  # put in place of nupunkt for "+ rules"
    note: str = ""


# --- candidates --------------------------------------------------------------------------------


def _located(segment: Segment) -> Paragraph:
    """A splitter of paragraphs from one that gives sentence strings: each found in the text."""

    def paragraph(p: S.Span) -> list[S.Span]:
        spans, cursor = [], 0
        for piece in segment(p.text):
            piece = piece.strip()
            at = p.text.find(piece, cursor) if piece else -1
            if at >= 0:
                cursor = at + len(piece)
                spans.append(S.Span(p.start + at, p.start + cursor, piece))
        return spans

    return paragraph


def _pysbd() -> Segment:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False).segment


def _blingfire() -> Segment:
    import blingfire

    return lambda text: blingfire.text_to_sentences(text).split("\n")


def _nupunkt_rs() -> Segment:
    import nupunkt_rs

    return nupunkt_rs.create_default_tokenizer().tokenize


def _sakurs() -> Segment:
    import sakurs

    return sakurs.SentenceSplitter(language="en").split


def _sentencex() -> Segment:
    import sentencex

    return lambda text: list(sentencex.segment("en", text))


# (alone, + rules, distribution, module, make a segmenter) of each splitter outside the project.
OPTIONAL: list[tuple[str, str, str, str, Callable[[], Segment]]] = [
    (PYSBD, PYSBD_RULES, "pysbd", "pysbd", _pysbd),
    *(
        (f"{name} alone", f"{name} + rules", distribution, module, make)
        for name, distribution, module, make in (
            ("blingfire (C++)", "blingfire", "blingfire", _blingfire),
            ("nupunkt-rs (Rust)", "nupunkt-rs", "nupunkt_rs", _nupunkt_rs),
            ("sakurs (Rust)", "sakurs", "sakurs", _sakurs),
            ("sentencex (Rust)", "sentencex", "sentencex", _sentencex),
        )
    ),
]


def _optional(
    alone: str, rules: str, distribution: str, module: str, make: Callable[[], Segment]
) -> list[Candidate]:
    """A splitter alone and in place of nupunkt, or both listed as not installed."""
    try:
        importlib.import_module(module)
    except ImportError:
        note = f"not installed (pip install {distribution})"
        return [Candidate(alone, None, note=note), Candidate(rules, None, note=note)]
    segment = make()
    return [Candidate(alone, _located(segment)), Candidate(rules, S.iter_paragraph, segment)]


def candidates() -> list[Candidate]:
    """This splitter, then pysbd and the compiled splitters in pairs, then nupunkt alone (made
    before any substitution)."""
    pysbd, *compiled = OPTIONAL
    return [
        Candidate(THIS, S.iter_paragraph),
        *reversed(_optional(*pysbd)),  # the previous splitter first
        *(candidate for entry in compiled for candidate in _optional(*entry)),
        Candidate(NUPUNKT, _located(S._segmenter().tokenize)),
    ]


class _Segmenter:
    """Stands for nupunkt's tokenizer inside the splitter."""

    def __init__(self, segment: Segment) -> None:
        self.tokenize = segment


@contextlib.contextmanager
def substituted(candidate: Candidate) -> Iterator[None]:
    """The splitter's public functions (split_sentences, letter_sentences...) use the
    candidate; the splitter is put back afterwards."""
    saved = S.iter_paragraph, S._segmenter
    S.iter_paragraph = candidate.paragraph  # type: ignore[assignment]
    if candidate.segment is not None:
        stand_in = _Segmenter(candidate.segment)
        S._segmenter = lambda: stand_in  # type: ignore[assignment]
    try:
        yield
    finally:
        S.iter_paragraph, S._segmenter = saved


# --- correctness -------------------------------------------------------------------------------


def sentence_scores(cases: list[sc.Case], articles: bool = False) -> dict[str, float]:
    """Precision, recall and F1 of exact sentences, and the share of texts split exactly right."""
    split = S.article_sentences if articles else S.split_sentences
    found = expected = right = texts_right = 0
    for case in cases:
        predicted = {(s.start, s.end) for s in split(case.text)}
        gold = set(case.spans())
        found, expected = found + len(predicted), expected + len(gold)
        right += len(predicted & gold)
        texts_right += predicted == gold
    precision, recall = right / max(found, 1), right / max(expected, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"P": precision, "R": recall, "F1": f1, "texts": texts_right / len(cases)}


def same_as(reference: dict[str, list[tuple[int, int]]]) -> float:
    """Share of the reference's sentences (fixture letters) found exactly."""
    same = total = 0
    for name, text in sc.fixture_letter_texts().items():
        spans = {(s.start, s.end) for s in S.letter_sentences(text)}
        same += len(spans & set(reference[name]))
        total += len(reference[name])
    return same / total


class _Outcomes:
    """A pytest plugin that counts passed tests."""

    def __init__(self) -> None:
        self.passed = self.total = 0

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or report.failed:  # a failed setup counts as a failed test
            self.total += 1
            self.passed += report.when == "call" and report.passed


def tests_passed() -> tuple[int, int]:
    """tests/test_sentences.py's behaviour tests, passed of run, with the splitter in place;
    its known-wrong cases (xfail) run as ordinary tests."""
    outcomes = _Outcomes()
    args = [str(TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--runxfail"]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[outcomes])
    return outcomes.passed, outcomes.total


# --- speed -------------------------------------------------------------------------------------


def long_report(prose: list[str], start: int) -> str:
    """About 400 sentences: numbered paragraphs of three, a bullet list every seventh, headings
    (as benchmarks/letters.py builds its 20-page reports)."""
    parts, k, number = ["Inspection of Ashmoor local authority children’s services\n"], start, 1
    while k - start < 400:
        if number % 10 == 1:
            parts.append(f"What needs to improve, part {number // 10 + 1}\n")
        if number % 7 == 0:
            parts.append("\n".join(f"• {prose[(k + j) % len(prose)]}" for j in range(4)) + "\n")
            k += 4
        else:
            three = " ".join(prose[(k + j) % len(prose)] for j in range(3))
            parts.append(f"{number}. {three}\n")
            k += 3
        number += 1
    return "\n".join(parts)


def letter_like_texts() -> list[str]:
    """The fixture letters and three long reports built from their prose sentences."""
    letters = [lf.letter_text(name) for name in lf.LETTERS]
    prose = []
    for text in letters:
        for line in text.splitlines():  # paragraphs of prose, not list items or table rows
            if len(line) > 120 and not lf.LIST_ITEM.match(line) and not line.startswith("|"):
                prose += re.split(r"(?<=[.!?])\s+", line)
    return letters * 5 + [long_report(prose, 50 * i) for i in range(3)]


def cpu_seconds(found: list[Candidate], texts: dict[str, list[str]], repeats: int) -> dict:
    """Median CPU seconds of each candidate on each kind of text. The candidates take turns
    within each repeat, so that a change in the machine's load falls on all of them."""
    split = {"letter-like": S.letter_sentences, "paragraphs": S.split_sentences}
    times: dict[tuple[str, str], list[float]] = {}
    for repeat in range(repeats + 1):  # the first warms up (imports, models, caches)
        for candidate in found:
            with substituted(candidate):
                for kind, kind_texts in texts.items():
                    started = time.process_time()
                    for text in kind_texts:
                        split[kind](text)
                    if repeat:
                        key = (candidate.name, kind)
                        times.setdefault(key, []).append(time.process_time() - started)
    return {key: statistics.median(values) for key, values in times.items()}


# --- the table ---------------------------------------------------------------------------------


def correctness(candidate: Candidate, corpora: dict, reference: dict) -> dict:
    with substituted(candidate):
        row: dict[str, object] = {"splitter": candidate.name}
        for name, (cases, articles) in corpora.items():
            scores = sentence_scores(cases, articles)
            row[f"{name} F1"] = scores["F1"]
            if name == "hard cases":
                row["hard cases right"] = f"{round(scores['texts'] * len(cases))}/{len(cases)}"
        row["fixture letters: same as this splitter"] = same_as(reference)
        passed, total = tests_passed()
        row["tests passed"] = f"{passed}/{total}"
    return row


def baselines(names: Iterable[str]) -> dict[str, str]:
    """The speed ratios' columns and candidates: pysbd + rules and pysbd alone where pysbd is
    installed, otherwise nupunkt alone."""
    if PYSBD_RULES in names:
        return {"x pysbd + rules": PYSBD_RULES, "x pysbd alone": PYSBD}
    return {"x nupunkt alone": NUPUNKT}


def tables(
    rows: list[dict], seconds: dict, sentences: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Correctness, and speed as sentences per CPU second and ratios in the same run."""
    correct = pd.DataFrame(rows).set_index("splitter")
    speed = pd.DataFrame(index=correct.index)
    for kind in ("letter-like", "paragraphs"):
        taken = pd.Series({name: seconds[(name, kind)] for name in correct.index})
        speed[f"{kind}: sentences/s"] = (sentences[kind] / taken).round(-2)
        for column, baseline in baselines(correct.index).items():
            speed[f"{kind}: {column}"] = (taken[baseline] / taken).round(1)
    return correct.round(3), speed


def versions(packages: dict[str, str]) -> str:
    """Versions of the installed packages (by distribution: module), noting those found outside
    this environment (on PYTHONPATH: a throwaway install of the candidates)."""
    found = []
    for distribution, module in packages.items():
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        outside = "" if spec.origin.startswith(sys.prefix) else " (on PYTHONPATH)"
        found.append(f"{distribution} {importlib.metadata.version(distribution)}{outside}")
    return ", ".join(found)


def speed_note(repeats: int, sentences: dict[str, int], names: Iterable[str]) -> str:
    against = (
        "the previous splitter (pysbd + rules) and pysbd alone"
        if PYSBD_RULES in names
        else "nupunkt alone (pysbd is not installed)"
    )
    return (
        f"Speed: CPU seconds, median of {repeats}, one process; sentences/s counts this"
        f" splitter's sentences in letter-like text ({sentences['letter-like']:,}) and a"
        f" person's in real-letter paragraphs ({sentences['paragraphs']:,}); ratios (x: times"
        " as fast)"
        f" against {against} in the same run."
    )


def report(correct: pd.DataFrame, speed: pd.DataFrame, notes: dict) -> list[str]:
    """The markdown page: the two tables and what they were measured on."""
    packages = {"nupunkt": "nupunkt", **{entry[2]: entry[3] for entry in OPTIONAL}}
    return [
        "Made by `python benchmarks/splitters.py` (its docstring says what is measured).",
        "F1: exact sentences (start and end) against the sentences a person split; hard cases:",
        "texts split exactly right; tests passed: tests/test_sentences.py with the splitter in",
        'place (its known-wrong cases, marked xfail, run as ordinary tests). "+ rules": the',
        "splitter in place of nupunkt inside this project's rules.",
        "",
        correct.to_markdown(),
        "",
        notes["speed"],
        "",
        speed.to_markdown(),
        "",
        f"Corpora: {notes['corpora']}.",
        f"Measured: {versions(packages)}; Python {sys.version.split()[0]}.",
        *(["Not measured (not installed here):", *notes["missing"]] if notes["missing"] else []),
    ]


def load_corpora() -> dict[str, tuple[list[sc.Case], bool]]:
    """Each corpus's cases, and whether they are articles (split by article_sentences)."""
    return {
        "real letters": (sc.letter_cases(), False),
        "invented letters": (sc.invented_letter_cases(), False),
        "articles": (sc.article_cases(), True),
        "hard cases": (sc.hard_cases(), False),
    }


def missing(every: list[Candidate]) -> list[str]:
    """A line for each splitter not installed, naming its candidates."""
    names: dict[str, list[str]] = {}
    for candidate in every:
        if candidate.paragraph is None:
            names.setdefault(candidate.note, []).append(candidate.name)
    return [f"- {', '.join(these)}: {note}" for note, these in names.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/splitters.md"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    corpora = load_corpora()
    reference = {  # the fixture letters as this splitter splits them
        name: [(s.start, s.end) for s in S.letter_sentences(text)]
        for name, text in sc.fixture_letter_texts().items()
    }
    every = candidates()
    found = [c for c in every if c.paragraph is not None]
    rows = []
    for candidate in found:
        rows.append(correctness(candidate, corpora, reference))
        print(rows[-1], flush=True)
    letters, paragraphs = letter_like_texts(), [c.text for c in corpora["real letters"][0]]
    seconds = cpu_seconds(found, {"letter-like": letters, "paragraphs": paragraphs}, args.repeats)
    sentences = {
        "letter-like": sum(len(S.letter_sentences(t)) for t in letters),  # this splitter's
        "paragraphs": sum(len(c.sentences) for c in corpora["real letters"][0]),
    }
    correct, speed = tables(rows, seconds, sentences)
    names = [c.name for c in found]
    notes = {
        "speed": speed_note(args.repeats, sentences, names),
        "corpora": ", ".join(f"{n}: {len(c):,} texts" for n, (c, _) in corpora.items()),
        "missing": missing(every),
    }
    lines = report(correct, speed, notes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
