"""Sentence splitting with character offsets, and the cleaning of news articles into prose."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

# A list item's marker: bullets, or "1." / "(a)" / "iv)" numbering, at the start of a line.
LIST_MARKER = re.compile(r"^\s*(?:[•●▪◦·*\-–]|\(?\d{1,3}[.)]|\(?[a-z]{1,3}\))\s+")
# A line of prose ends a sentence: terminal punctuation, maybe inside closing quotes or brackets.
ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*\s*$")
# Page furniture that ends like a sentence but is never a finding.
BOILERPLATE = re.compile(
    r"\b(?:subscribe|sign up|newsletter|required field|powered by|cookies?|all rights reserved|"
    r"click here|read more)\b|\b(?:picture|photo|image):",
    re.IGNORECASE,
)


# pysbd keeps a multi-sentence quotation whole; split it again after a full stop that ends a
# word (not an abbreviation) and is followed by a capital.
INNER_BOUNDARY = re.compile(r"(?<=[a-z0-9%)\]][.!?])[\"'”’]?\s+(?=[\"'“‘]?[A-Z])")
# Terminal punctuation followed by more text: a paragraph without one is a single sentence.
MID_STOP = re.compile(r"[.!?…][\"'”’)\]]*\s+\S")
ABBREVIATIONS = frozenset("mr mrs ms dr prof st cllr coun rev no vs etc cf al approx".split())

# pysbd's time grows with the square of its input, so a paragraph longer than WINDOW_CHARS is
# first cut at a cheap boundary (a full stop, then a capital) into windows of about that size;
# a letter's paragraphs are shorter and never see this rule. No sentence is longer than
# MAX_SENTENCE_CHARS: text without full stops is cut at spaces.
WINDOW_CHARS = 2_000
MAX_SENTENCE_CHARS = 2_000
CHEAP_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(]?[A-Z0-9])")

# pysbd is slow (pure Python, a third of tagging time), and most boundaries of a letter need none
# of its rules: a full stop or question mark right after an ordinary word, a number of three or
# more digits ("in 2019.") or a closing quote or bracket, then one space and a capital. pysbd
# always splits there (unless the word is an abbreviation: see _unsure_words, or the stop is
# inside a quotation or brackets: see ENCLOSURES), so the splitter cuts at these sure boundaries
# itself, and gives pysbd only the stretches between them that hold some other stop (a title,
# "e.g.", an initial, an ellipsis, a quotation of several sentences). pysbd's rules for those look
# a few characters either side, or stay inside the quotation, so a stretch gets the same answer
# alone as within its window.
STOP_CAPITAL = re.compile(r"[.?] (?=[A-Z])")  # a sure boundary if SURE_BEFORE ends before it
SURE_BEFORE = re.compile(
    r"(?<![^\s/-])(?P<word>[A-Za-z]{2,}|\d{3,})$"  # a word or number, alone or after - or /
    r"|(?<=[A-Za-z])[’']s$"  # a possessive
    r"|[”’\")\]%]$"  # a closing quote or bracket, a per cent sign
)
SURE_WORD_CHARS = 24  # a longer word is not looked at whole, and so is unsure
# Quotations and brackets as pysbd pairs them, an unclosed one running to the end: pysbd hides
# the stops inside them (and _inner_cuts splits again), so none is a sure boundary.
ENCLOSURES = tuple(
    re.compile(pattern)
    for pattern in (
        r"“[^”]*”?",
        r'"[^"]*"?',
        r"(?<!\S)‘(?:[^’]|’[a-zA-Z])*’?",
        r"\([^)]*\)?",
        r"\[[^\]]*\]?",
    )
)
OPENS = tuple('“‘"([')  # a stretch opening with one may be split at its close
# Terminal punctuation before the end of a stretch: without any, the stretch is one sentence. A
# full stop inside a word or number ("gov.uk", "3.5", "12.30pm") is never a boundary to pysbd;
# one between a letter and a digit may be ("page.12 The").
INNER_STOP = re.compile(r"(?!(?<=[A-Za-z0-9])\.[A-Za-z]|(?<=\d)\.\d)[.!?…](?=.*\S)", re.DOTALL)

# A few of pysbd's rules reach across sentences; a window holding one goes to pysbd whole, as
# before the cheap rule: characters that pysbd uses as placeholders or treats specially; straight
# single quotes, which pysbd pairs or not depending on the whole text; brackets between
# quotations; and runs of list numbers ("1. ... 2.") or letters ("a. ... b.", "(i) ... (ii)"),
# which pysbd breaks apart wherever they are. (Each pattern starts with a character, not a
# look-behind, so that the regex engine skips quickly to the places worth trying.)
PLACEHOLDERS = re.compile(r"[«»「」（）。．！？\\∯∮ȸȹ♨☝☉☈☇☄ƪ♟♝☏♬♭ᓰᓱᓳᓴᓷᓸ✂⌬⎋⁃]")
ACROSS_MARKS = re.compile(
    r"-(?=-|[“”\"])"  # two hyphens (pysbd's em dash); a hyphen before a quote
    r"|'(?:(?<!\w')|(?!\w))"  # a straight single quote that is not an apostrophe
    r"|\((?<=[”\"]\s\()"  # brackets right after a quotation
)
LIST_PAREN = re.compile(r"(?<![^\s(])(?:[a-z]|[ivx]+)\)|\([mdclxvi]+\)")  # "a)", "(iv)"
NUMBER_STOP = re.compile(r"\d{1,2}\.(?=[\s)])|\d\)(?=\s)")  # a list number if it stands alone
LIST_LETTER = re.compile(r"\.(?<=(?<!\S)[a-z]\.)")  # "a." (two of them make a list to pysbd)


# Sentences of one window of a paragraph, as (start, end) in it, maybe with spaces around.
WindowSplitter = Callable[[str], Iterator[tuple[int, int]]]


@dataclass(frozen=True)
class Span:
    """A sentence: its text and where it sits in the source text (``text == source[start:end]``)."""

    start: int
    end: int
    text: str
    list_item: bool = False  # the line carried a bullet or number


@cache
def _segmenter():
    import pysbd  # slow to import; only needed once text arrives

    return pysbd.Segmenter(language="en", clean=False)


def paragraphs(text: str, offset: int = 0) -> Iterator[Span]:
    """Non-blank lines of ``text``, each stripped, with list markers removed."""
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        marker = LIST_MARKER.match(body)
        start = marker.end() if marker else len(body) - len(body.lstrip())
        stripped = body[start:].rstrip()
        if stripped:
            begin = offset + pos + start
            yield Span(begin, begin + len(stripped), stripped, list_item=marker is not None)
        pos += len(line)


def _inner_cuts(text: str) -> list[int]:
    """Offsets where a pysbd segment holds a further sentence boundary."""
    cuts = []
    for match in INNER_BOUNDARY.finditer(text):
        word = re.search(r"(\w+)[.!?]$", text[: match.start()])
        if word and word.group(1).lower() not in ABBREVIATIONS and len(word.group(1)) > 1:
            cuts.append(match.end())
    return cuts


def _pieces(text: str, window_pieces: WindowSplitter) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph's text, none over MAX_SENTENCE_CHARS."""
    for window_start, window_end in _windows(text):
        window = text[window_start:window_end]
        for start, end in window_pieces(window):
            for a, b in _capped(window, start, end):
                yield window_start + a, window_start + b


def _windows(text: str) -> Iterator[tuple[int, int]]:
    """Cuts of a long paragraph into windows of at most WINDOW_CHARS, at cheap boundaries where
    there are any, otherwise at a space."""
    start = 0
    while len(text) - start > WINDOW_CHARS:
        boundary = None
        for match in CHEAP_BOUNDARY.finditer(text, start + WINDOW_CHARS // 2, start + WINDOW_CHARS):
            boundary = match.end()
        if boundary is None:  # no full stop then capital: cut at a space, or anywhere
            space = text.rfind(" ", start + 1, start + WINDOW_CHARS)
            boundary = space + 1 if space > start else start + WINDOW_CHARS
        yield start, boundary
        start = boundary
    if start < len(text):
        yield start, len(text)


def _window_pieces(text: str) -> Iterator[tuple[int, int]]:
    """Sentences of a window: cut at sure boundaries, pysbd only for the unsure stretches."""
    if not MID_STOP.search(text.rstrip()):  # one sentence: nothing to split
        yield 0, len(text)
    elif _reaches_across(text):
        yield from _pysbd_pieces(text)
    else:
        start = 0
        for end in [*_sure_cuts(text), len(text)]:
            yield from _stretch_pieces(text, start, end)
            start = end


def _pysbd_window_pieces(text: str) -> Iterator[tuple[int, int]]:
    """Sentences of a window as pysbd alone gives them (the splitter before the cheap rule)."""
    if not MID_STOP.search(text.rstrip()):
        yield 0, len(text)
    else:
        yield from _pysbd_pieces(text)


def _reaches_across(text: str) -> bool:
    """The window holds something that pysbd judges across sentences."""
    return (
        PLACEHOLDERS.search(text) is not None
        or ACROSS_MARKS.search(text) is not None
        or (")" in text and LIST_PAREN.search(text) is not None)
        or any(_is_list_number(text, match) for match in NUMBER_STOP.finditer(text))
        or len(LIST_LETTER.findall(text)) > 1
    )


def _is_list_number(text: str, match: re.Match[str]) -> bool:
    """A list number to pysbd: "3) ", or "12. " standing alone (after a space, a hyphen or
    nothing), not the end of "2019. " or "3.12. "."""
    before = text[match.start() - 1] if match.start() else " "
    return match.group().endswith(")") or before.isspace() or before in "-⁃"


@cache
def _unsure_words() -> frozenset[str]:
    """Words that may be abbreviations, lower-cased: a stop after one is pysbd's to judge (and
    ours: see _continues)."""
    rules = _segmenter().language_module.Abbreviation
    known = (rules.ABBREVIATIONS, rules.PREPOSITIVE_ABBREVIATIONS, rules.NUMBER_ABBREVIATIONS)
    return ABBREVIATIONS | frozenset(word for words in known for word in words)


def _sure_cuts(text: str) -> Iterator[int]:
    """Starts of the sentences that follow a sure boundary."""
    unsure, enclosed = _unsure_words(), _enclosed(text)
    for match in STOP_CAPITAL.finditer(text):
        stop = match.start()
        if _sure_before(text, stop, unsure) and not any(a < stop < b for a, b in enclosed):
            yield match.end()


def _sure_before(text: str, stop: int, unsure: frozenset[str]) -> bool:
    """What precedes the stop makes it sure: an ordinary word (not an abbreviation), a number,
    a possessive, a closing quote or bracket."""
    before = SURE_BEFORE.search(text, max(0, stop - SURE_WORD_CHARS), stop)
    return before is not None and (before["word"] or "").lower() not in unsure


def _enclosed(text: str) -> list[tuple[int, int]]:
    """(start, end) of the quotations and brackets of a text."""
    if not any(mark in text for mark in OPENS):
        return []
    return [match.span() for pattern in ENCLOSURES for match in pattern.finditer(text)]


def _stretch_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The text between two sure boundaries: one sentence, unless it holds another stop or opens
    with a quotation or bracket."""
    stretch = text[start:end].rstrip()
    if _one_sentence(stretch):
        yield start, end
        return
    # pysbd is given the space before the stretch too, as it sees it within the window: a few of
    # its rules differ at the very start of a text ("I., said" is an initial only after a space).
    if start > 0:
        start -= 1
    for a, b in _pysbd_pieces(text[start:end].rstrip()):
        yield start + a, start + b


def _one_sentence(stretch: str) -> bool:
    """pysbd would not split the stretch: no stop before its end, no quotation opening it."""
    if stretch.startswith(OPENS):
        return False
    body = stretch[:-1]
    if not any(mark in body for mark in ".!?…"):  # most sentences: quicker than the regex
        return True
    return INNER_STOP.search(stretch) is None


def _pysbd_pieces(text: str) -> Iterator[tuple[int, int]]:
    """pysbd's sentences of a text, each split again at boundaries inside quotations."""
    cursor = 0
    for segment in _segmenter().segment(text):
        at = text.find(segment, cursor)
        if at < 0:  # pysbd altered the text: take the rest of the paragraph
            at, segment = cursor, text[cursor:]
        cursor = at + len(segment)
        bounds = [at, *(at + c for c in _inner_cuts(segment)), cursor]
        yield from itertools.pairwise(bounds)


def _capped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A sentence cut at spaces (or anywhere, if it has none) into pieces of at most
    MAX_SENTENCE_CHARS."""
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS + 1)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
    yield start, end


def _continues(previous: str, piece: str) -> bool:
    """pysbd cut too early: after an abbreviation ("Cllr. | Jones"), before a lower-case
    continuation ("Who Cares? | report"), or before a stray closing quote."""
    ends_abbreviation = re.search(r"(?:^|\W)(\w+)\.$", previous[-40:])
    return (
        piece[0].islower()
        or not any(c.isalnum() for c in piece)
        or bool(ends_abbreviation and ends_abbreviation.group(1).lower() in ABBREVIATIONS)
    )


def split_paragraph(paragraph: Span) -> list[Span]:
    """Split one paragraph into sentences; pysbd is fed paragraph by paragraph, as it is
    quadratic on long strings."""
    return list(iter_paragraph(paragraph))


def iter_paragraph(paragraph: Span) -> Iterator[Span]:
    """The sentences of one paragraph as they are found (a caller may stop early)."""
    return _sentences(paragraph, _window_pieces)


def _pysbd_paragraph(paragraph: Span) -> list[Span]:
    """The sentences of one paragraph with every window that has a mid-text stop given to pysbd
    whole: the splitter as it was before the cheap rule, which must give the same sentences."""
    return list(_sentences(paragraph, _pysbd_window_pieces))


def _sentences(paragraph: Span, window_pieces: WindowSplitter) -> Iterator[Span]:
    """The pieces of a paragraph, stripped, joined again where pysbd cut too early."""
    text, offset = paragraph.text, paragraph.start
    held: Span | None = None  # the last sentence, kept until the next shows it is complete
    for start, end in _pieces(text, window_pieces):
        piece = text[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        if start >= end:
            continue
        if (
            held is not None
            and end - held.start + offset <= MAX_SENTENCE_CHARS
            and _continues(held.text, text[start:end])
        ):
            start = held.start - offset
        elif held is not None:
            yield held
        held = Span(offset + start, offset + end, text[start:end])
    if held is not None:
        yield held


def split_sentences(text: str) -> list[Span]:
    """All sentences of ``text``, one paragraph per line, with offsets into ``text``."""
    return [s for p in paragraphs(text) for s in split_paragraph(p)]


def is_prose(paragraph: Span) -> bool:
    """A line of an article worth labelling: it ends like a sentence and is not boilerplate.

    Headlines, bylines, dates, captions, navigation and teaser lists do not end in terminal
    punctuation; subscription and newsletter offers are caught by their wording.
    """
    return bool(ENDS_SENTENCE.search(paragraph.text)) and not BOILERPLATE.search(paragraph.text)


def article_sentences(raw: str) -> list[Span]:
    """The sentences of a news article's prose, with offsets into the raw article text."""
    return [s for p in paragraphs(raw) if is_prose(p) for s in split_paragraph(p)]


def letter_sentences(text: str, min_item_words: int = 4) -> list[Span]:
    """Sentences of a letter's page text: prose, and list items even without a full stop
    (letters list findings that way); headings, addresses and other furniture are dropped."""
    return list(iter_letter_sentences(text, min_item_words))


def iter_letter_sentences(text: str, min_item_words: int = 4) -> Iterator[Span]:
    """:func:`letter_sentences` as they are found, so that a caller counting them can stop."""
    for p in paragraphs(text):
        if is_prose(p) or (p.list_item and len(p.text.split()) >= min_item_words):
            yield from iter_paragraph(p)
