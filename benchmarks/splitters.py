"""Sentence splitters compared on this project's boundaries and speed, side by side in one run.

    python benchmarks/splitters.py [--out benchmarks/results/splitters.md] [--repeats 5]

Candidates: this project's splitter (a cheap rule, pysbd for the unsure stretches), the previous
one (pysbd for every paragraph with a mid-text stop), pysbd alone, and the compiled splitters
blingfire (C++), nupunkt-rs, sakurs and sentencex (Rust), with pure-Python nupunkt for reference.
The compiled ones are not project dependencies: a candidate that cannot be imported is listed
with a note (install them elsewhere and put them on PYTHONPATH to measure them). Each runs alone
(paragraph by paragraph) and, as "+ rules", in place of pysbd inside this project's splitter
(its windows, quotation splits and abbreviation merges).

Correctness, against sentences a person split (sentence = exact start and end):
- the real letters (data/letters/train), consecutive sentences of a page joined into
  paragraphs of 3-5 (tests/sentence_corpora.py), and the invented letters of data/dev;
- the seed articles (data/raw, offsets in data/sentences.csv and data/excluded.csv);
- hand-written hard cases: titles, "e.g.", numbered paragraphs, bullets, quotations, decimals,
  times, initials;
- tests/test_sentences.py run with the candidate in place of the splitter (its behaviour tests);
- the fixture letters (tests/fixtures/letters), which have no labels: sentences the same as the
  previous splitter's.

Speed: CPU time (process_time, one process) to split the same texts, median of --repeats, as a
ratio against pysbd alone and against the previous splitter in the same run: letter-like text
(the fixture letters and 20-page reports built from their paragraphs, as benchmarks/letters.py
builds them, through letter_sentences) and the real-letter paragraphs.
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
from collections.abc import Callable, Iterator
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
OWN_TESTS = "cheap_rule"  # tests of the cheap rule itself: no other splitter has it
PREVIOUS = "previous splitter: pysbd + rules"

Segment = Callable[[str], list[str]]  # a text's sentences, as strings, in order


@dataclass
class Candidate:
    name: str
    paragraph: Callable[[S.Span], list[S.Span]] | None  # None: not installed
    segment: Segment | None = None  # put in place of pysbd for "+ rules"
    note: str = ""


# --- candidates --------------------------------------------------------------------------------


def _located(segment: Segment) -> Callable[[S.Span], list[S.Span]]:
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


def _compiled() -> Iterator[tuple[str, str, str, Callable[[], Segment]]]:
    """(name, distribution, module, make a segmenter) of each splitter from the registry."""

    def blingfire() -> Segment:
        import blingfire

        return lambda text: blingfire.text_to_sentences(text).split("\n")

    def nupunkt_rs() -> Segment:
        import nupunkt_rs

        return nupunkt_rs.create_default_tokenizer().tokenize

    def sakurs() -> Segment:
        import sakurs

        return sakurs.SentenceSplitter(language="en").split

    def sentencex() -> Segment:
        import sentencex

        return lambda text: list(sentencex.segment("en", text))

    def nupunkt() -> Segment:
        import nupunkt

        return nupunkt.sent_tokenize

    yield "blingfire (C++)", "blingfire", "blingfire", blingfire
    yield "nupunkt-rs (Rust)", "nupunkt-rs", "nupunkt_rs", nupunkt_rs
    yield "sakurs (Rust)", "sakurs", "sakurs", sakurs
    yield "sentencex (Rust)", "sentencex", "sentencex", sentencex
    yield "nupunkt (pure Python)", "nupunkt", "nupunkt", nupunkt


def candidates() -> list[Candidate]:
    segmenter, this = S._segmenter(), S.iter_paragraph  # before any substitution
    found = [
        Candidate("this splitter: cheap rule + pysbd", lambda p: list(this(p))),
        Candidate(PREVIOUS, S._pysbd_paragraph),
        Candidate("pysbd alone", _located(segmenter.segment)),
    ]
    for name, distribution, module, make in _compiled():
        try:
            importlib.import_module(module)
        except ImportError:
            note = f"not installed (pip install {distribution})"
            found += [Candidate(name, None, note=note), Candidate(f"{name} + rules", None, None)]
            continue
        segment = make()
        found += [
            Candidate(name, _located(segment)),
            Candidate(f"{name} + rules", S._pysbd_paragraph, segment),
        ]
    return found


class _Segmenter:
    """Stands for pysbd's Segmenter inside the splitter."""

    def __init__(self, segment: Segment) -> None:
        self.segment = segment


@contextlib.contextmanager
def substituted(candidate: Candidate) -> Iterator[None]:
    """The splitter's public functions (split_sentences, letter_sentences...) use the
    candidate."""
    saved = S.iter_paragraph, S._segmenter
    S.iter_paragraph = candidate.paragraph  # type: ignore[assignment]
    if candidate.segment is not None:
        S._segmenter = lambda: _Segmenter(candidate.segment)  # type: ignore[assignment]
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
    """tests/test_sentences.py's behaviour tests, passed of run, with the splitter in place."""
    outcomes = _Outcomes()
    args = [str(TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-k", f"not {OWN_TESTS}"]
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
        row["fixture letters: same as previous"] = same_as(reference)
        passed, total = tests_passed()
        row["tests passed"] = f"{passed}/{total}"
    return row


def tables(
    rows: list[dict], seconds: dict, sentences: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Correctness, and speed as sentences per CPU second and ratios in the same run."""
    correct = pd.DataFrame(rows).set_index("splitter")
    speed = pd.DataFrame(index=correct.index)
    for kind in ("letter-like", "paragraphs"):
        taken = pd.Series({name: seconds[(name, kind)] for name in correct.index})
        speed[f"{kind}: sentences/s"] = (sentences[kind] / taken).round(-2)
        speed[f"{kind}: x pysbd"] = (taken["pysbd alone"] / taken).round(1)
        speed[f"{kind}: x previous"] = (taken[PREVIOUS] / taken).round(1)
    return correct.round(3), speed


def pysbd_share(texts: list[str], paragraph: Callable[[S.Span], list[S.Span]]) -> float:
    """Share of the texts' characters that a splitter hands to pysbd."""
    given = 0
    pieces = S._pysbd_pieces

    def counted(text: str) -> Iterator[tuple[int, int]]:
        nonlocal given
        given += len(text)
        return pieces(text)

    S._pysbd_pieces = counted  # type: ignore[assignment]
    try:
        for text in texts:
            for p in S.paragraphs(text):
                paragraph(p)
    finally:
        S._pysbd_pieces = pieces
    return given / sum(len(text) for text in texts)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/splitters.md"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    corpora = {
        "real letters": (sc.letter_cases(), False),
        "invented letters": (sc.invented_letter_cases(), False),
        "articles": (sc.article_cases(), True),
        "hard cases": (sc.hard_cases(), False),
    }
    reference = {  # the fixture letters as the previous splitter splits them
        name: [(s.start, s.end) for s in _previous_letter_sentences(text)]
        for name, text in sc.fixture_letter_texts().items()
    }
    found = [c for c in candidates() if c.paragraph is not None]
    missing = [f"- {c.name}: {c.note}" for c in candidates() if c.paragraph is None and c.note]
    rows = []
    for candidate in found:
        rows.append(correctness(candidate, corpora, reference))
        print(rows[-1], flush=True)
    letters, paragraphs = letter_like_texts(), [c.text for c in corpora["real letters"][0]]
    seconds = cpu_seconds(found, {"letter-like": letters, "paragraphs": paragraphs}, args.repeats)
    sentences = {
        "letter-like": sum(len(_previous_letter_sentences(t)) for t in letters),
        "paragraphs": sum(len(c.sentences) for c in corpora["real letters"][0]),
    }
    correct, speed = tables(rows, seconds, sentences)
    this = candidates()[0].paragraph
    shares = {
        name: (pysbd_share(texts, this), pysbd_share(texts, S._pysbd_paragraph))
        for name, texts in (("letter-like text", letters), ("real-letter paragraphs", paragraphs))
    }
    packages = {"pysbd": "pysbd", **{package: module for _, package, module, _ in _compiled()}}
    lines = [
        "# Sentence splitters: correctness and speed",
        "",
        "Made by `python benchmarks/splitters.py` (its docstring says what is measured).",
        "F1: exact sentences (start and end) against the sentences a person split; hard cases:",
        "texts split exactly right; tests passed: tests/test_sentences.py with the splitter in",
        "place (its own tests of the cheap rule left out).",
        "",
        correct.to_markdown(),
        "",
        f"Speed: CPU seconds, median of {args.repeats}, one process; sentences/s counts the"
        f" previous splitter's sentences ({sentences['letter-like']:,} letter-like,"
        f" {sentences['paragraphs']:,} in real-letter paragraphs); ratios against pysbd alone and"
        " the previous splitter in the same run.",
        "",
        speed.to_markdown(),
        "",
        "Share of the text this splitter hands to pysbd (the previous one in brackets): "
        + "; ".join(f"{name} {a:.0%} ({b:.0%})" for name, (a, b) in shares.items())
        + ".",
        "",
        f"Corpora: {', '.join(f'{n}: {len(c):,} texts' for n, (c, _) in corpora.items())}.",
        f"Measured: {versions(packages)}; Python {sys.version.split()[0]}.",
        *(["Not measured (not installed here):", *missing] if missing else []),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _previous_letter_sentences(text: str) -> list[S.Span]:
    previous = Candidate("previous", S._pysbd_paragraph)
    with substituted(previous):
        return S.letter_sentences(text)


if __name__ == "__main__":
    main()
