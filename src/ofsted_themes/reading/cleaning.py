"""Cleaning pages, shared by every format: page furniture (running headers and footers, page
numbers) removed and paragraphs rebuilt one per line, the form that ``sentences`` expects."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import cached_property

from ofsted_themes.reading.sentences import (
    ABBREVIATIONS,
    ENDS_SENTENCE,
    LIST_MARKER,
    STOPS,
    reads_as_sentence,
)

# Page furniture: "3", "Page 3", "3 of 7", "- 3 -", "Page 3 of 7" on a line of its own...
PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,3})?$", re.I)
# ...or "Page 3 of 7" inside a running header or footer.
PAGE_OF = re.compile(r"\bpage\s+\d{1,3}\s+(?:of|/)\s+\d{1,3}\b", re.I)
# A line break inside a paragraph (Word's Shift+Enter, read from DOCX as this; a vertical tab
# in pasted text), and the breaks that end a line, as str.splitlines takes them, but for it.
SOFT_BREAK = "\x0b"
# the words a softly broken part needs before the next is joined to it as one sentence: a broken
# sentence's first part runs on ("Inspectors found that caseloads are too high in"), a heading
# or a greeting does not ("Areas for improvement", "Dear Ms Lee")
SOFT_JOIN_WORDS = 6
HARD_BREAK = re.compile("\r\n|[\n\r\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
EDGE_LINES = 3  # headers and footers are looked for among the first and last lines of a page
HYPHEN_END = re.compile(r"([^\W\d_]+)-$")  # a word broken with a hyphen at the end of a line
WORD_START = re.compile(r"[^\W\d_]+")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SPACES = re.compile(r"\s+")
# Characters that carry no text: soft hyphens, zero-width marks, controls, and the marks that
# set the direction of text (Word and web pages put them after a full stop, which then ended no
# sentence); ligatures are spelt out. Each is a control or format character (``normalise``).
INVISIBLE = (
    {ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff\x7f\u061c\u180e"}
    | {c: None for c in range(32) if chr(c) not in "\t\n\r\x0b\x0c"}
    | dict.fromkeys([*range(0x200E, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
)
LIGATURES = {ord(c): unicodedata.normalize("NFKC", c) for c in "\ufb00\ufb01\ufb02\ufb03\ufb04"}
# The same as patterns: a regular expression passes over a line in C, str.translate with a dict
# looks up every character in Python, and most lines hold none of these characters.
INVISIBLE_CHAR = re.compile("[" + re.escape("".join(map(chr, INVISIBLE))) + "]")
LIGATURE_CHAR = re.compile("[" + "".join(map(chr, LIGATURES)) + "]")
# a character that shows: neither white space nor invisible
VISIBLE_CHAR = re.compile(r"[^\s" + re.escape("".join(map(chr, INVISIBLE))) + "]")


def clean_pages(raw_pages: list[str], wrapped: bool = False) -> list[str]:
    """Page texts with furniture removed and paragraphs rebuilt, one per line.

    Removed: lines at the top or bottom of a page that recur there on at least half the pages
    (compared with digits masked, so "Page 3 of 7" matches "Page 4 of 7"; a line that reads as
    a sentence, on every page, or all but one in ten of a long document), bare page numbers,
    and edge lines holding "Page N of M".
    Lines are then joined into paragraphs, across page breaks too (a paragraph belongs to the
    page where it starts):

    - a blank line always ends a paragraph, and a list item ("•", "-", "1.", "(a)") starts one;
    - parts of a line broken softly (SOFT_BREAK) that run on to a sentence's end are one line;
    - a line starting in lower case continues the one before (a broken line); a word split by a
      hyphen at a line end is joined without the hyphen, unless the document spells the word
      with a hyphen elsewhere and never without ("well-being");
    - a line ending a sentence (not with an abbreviation like "Mr.") ends the paragraph;
    - otherwise ``wrapped`` decides: wrapped text (PDF; text with paragraph ends already marked
      by blank lines) joins the lines, text with one paragraph per line keeps them apart.
    """
    pages = [_lines(page) for page in raw_pages]
    return rebuild([lines[part] for lines, part in zip(pages, bodies(pages), strict=True)], wrapped)


def rebuild(pages: list[list[str]], wrapped: bool) -> list[str]:
    """Page texts of paragraphs joined from clean lines (blank lines end paragraphs)."""
    texts: list[list[str]] = [[] for _ in pages]
    for index, paragraph in _paragraphs(pages, wrapped, Vocabulary(pages)):
        texts[index].append(paragraph)
    return ["\n".join(paragraphs) for paragraphs in texts]


class Vocabulary:
    """The words of a document, lower-cased, gathered only if a hyphenated line break asks."""

    def __init__(self, pages: list[list[str]]):
        self.pages = pages

    @cached_property
    def words(self) -> set[str]:
        text = "\n".join(line for lines in self.pages for line in lines)
        if text.isascii():  # lower-cased first, the same words: an ASCII letter stays one
            return set(WORD.findall(text.lower()))
        return {w.lower() for w in WORD.findall(text)}

    def __contains__(self, word: str) -> bool:
        return word in self.words


def _lines(raw: str) -> list[str]:
    """Clean lines of a raw page."""
    if SOFT_BREAK not in raw:
        return [normalise(line) for line in raw.splitlines()]
    hard = HARD_BREAK.split(raw)
    if hard[-1] == "":  # as splitlines: a break ending the text adds no line
        hard.pop()
    return [line for text in hard for line in _soft_lines(text)]


def _soft_lines(text: str) -> list[str]:
    """The lines of one paragraph broken softly (SOFT_BREAK). Parts that run on to a sentence's
    end are one line, as the sentence reads ("caseloads are too high in | North Yorkshire's
    teams."): as lines of their own, the part before the capital was a paragraph that does not
    end like a sentence, and was dropped. Parts that end no sentence (an address block, a
    heading) stay lines of their own; a list item or a blank part starts afresh."""
    lines: list[str] = []
    run: list[str] = []  # parts not yet ended by a sentence's end
    parts = text.split(SOFT_BREAK)
    if parts[-1] == "":  # as splitlines: a break ending the text adds no line
        parts.pop()
    for part in map(normalise, parts):
        if not part or LIST_MARKER.match(part):
            lines += run
            run = []
        if not part:
            lines.append(part)
            continue
        run.append(part)
        if ends_sentence(part):
            lines += _soft_joined(run)
            run = []
    return lines + run


def _soft_joined(parts: list[str]) -> list[str]:
    """Parts of one sentence as one line; a part starting in lower case is left a line of its
    own, which continues the line before anyway (``_continues``), a broken hyphen mended there
    as the document spells the word."""
    lines = parts[:1]
    for part in parts[1:]:
        if part[0].islower() or len(lines[-1].split()) < SOFT_JOIN_WORDS:
            lines.append(part)  # a heading or a greeting before a sentence stays its own line
        else:  # joined as _join joins a capital: "Anti-" and "Social" keep their hyphen
            lines[-1] += part if _hyphen_end(lines[-1]) else f" {part}"
    return lines


def normalise(line: str) -> str:
    """A line with whitespace collapsed, invisible characters removed, ligatures spelt out."""
    # Most lines are printable: no invisible character (each is a control or format character,
    # which are not), and no whitespace but the plain space; such a line skips the patterns.
    printable = line.isprintable()
    if not printable:
        line = INVISIBLE_CHAR.sub("", line)
    if not line.isascii() and LIGATURE_CHAR.search(line):
        line = line.translate(LIGATURES)
    if not printable or "  " in line:
        line = SPACES.sub(" ", line)
    return line.strip()


def is_blank(text: str) -> bool:
    """Whether a text holds nothing to read, as a letter's line that cleans to nothing: white
    space and invisible characters (a zero-width space, a soft hyphen, controls) alone."""
    return VISIBLE_CHAR.search(text) is None


def _key(line: str) -> str:
    """A line as compared when looking for running headers and footers."""
    return re.sub(r"\d+", "#", line.casefold())


def furniture(pages: list[list[str]]) -> set[str]:
    """Keys of lines that recur near the top or bottom of at least half the pages (two or more);
    a line that reads as prose, on every page of a short one (``_sentence_needs``)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    sentences: set[str] = set()
    for lines in pages:
        # page numbers are furniture whatever their place: they take no place among the edge
        # lines (a PDF printed from a web page puts its header, "Page 1 of 2" and a footer of
        # two lines first: the footer's second line was read as the body's)
        body = [line for line in lines if line and not _is_page_number(line)]
        edges = {_key(line): line for line in body[:EDGE_LINES] + body[-EDGE_LINES:]}
        counts.update(edges.keys())
        sentences.update(key for key, line in edges.items() if _reads_as_prose(line))
    needed = max(2, math.ceil(len(pages) / 2))
    sentence_needed = _sentence_needs(len(pages))
    return {
        key
        for key, count in counts.items()
        if count >= (sentence_needed if key in sentences else needed)
    }


# The end of a paragraph's last sentence, on a line of its own: it starts in lower case and ends
# as a sentence does ("year.", "children and their families."); a web address is no such tail
PARAGRAPH_TAIL = re.compile(r"[a-z][^@/]*[.!?][\"”’')]?")


def _reads_as_prose(line: str) -> bool:
    """Whether an edge line is the letter's prose (a sentence, or a paragraph's tail): furniture
    only where it recurs as a footer that is a sentence does (``_sentence_needs``). A tail as
    common as "year." may end two pages of three; taken for furniture, it was cut from its
    sentence, which then ran on into the next paragraph's."""
    return reads_as_sentence(line) or bool(PARAGRAPH_TAIL.fullmatch(line))


def _sentence_needs(pages: int) -> int:
    """The pages a line that reads as a sentence must recur on to be furniture: every page of a
    letter of up to ten, all but one in ten of a longer one. Running headers and footers are
    mostly names, titles, dates, addresses and page numbers ("Focused visit to Leeds"), not
    sentences, while a letter's own sentence ("This is an area for improvement.") may close half
    its pages: taken for furniture, every copy of it was lost. A footer that is a sentence is on
    every page."""
    return max(2, pages - pages // 10)


def _is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.match(line) or PAGE_OF.search(line))


def _is_furniture(line: str, furniture: set[str]) -> bool:
    """Whether an edge line is a page number, a running header or a footer."""
    return not line or _is_page_number(line) or _key(line) in furniture


def bodies(pages: list[list[str]]) -> list[slice]:
    """Each page's ``body`` between its furniture. When the lines that recur are all the text
    there is and some read as sentences (the same page printed on every page), they are the
    letter: taken for furniture, nothing was left to read. Recurring lines that are no
    sentence (an address, a web address) are furniture still, a page of nothing else empty."""
    edges = furniture(pages)
    parts = [body(lines, edges) for lines in pages]
    emptied = edges and not any(any(lines[p]) for lines, p in zip(pages, parts, strict=True))
    if emptied and any(reads_as_sentence(line) for lines in pages for line in lines):
        return [body(lines, set()) for lines in pages]
    return parts


def body(lines: list[str], furniture: set[str]) -> slice:
    """The part of a page between the furniture (and blank lines) at its top and bottom."""
    start, end = 0, len(lines)
    while start < end and _is_furniture(lines[start], furniture):
        start += 1
    while end > start and _is_furniture(lines[end - 1], furniture):
        end -= 1
    return slice(start, end)


def _paragraphs(
    pages: list[list[str]], wrapped: bool, vocabulary: Vocabulary
) -> list[tuple[int, str]]:
    """(page index, paragraph) pairs, joining lines by the rules in ``clean_pages``."""
    paragraphs: list[tuple[int, str]] = []
    after_blank = True
    for index, lines in enumerate(pages):
        for line in lines:
            if not line:
                after_blank = True
            elif not after_blank and _continues(paragraphs[-1][1], line, wrapped):
                paragraphs[-1] = (paragraphs[-1][0], _join(paragraphs[-1][1], line, vocabulary))
            else:
                paragraphs.append((index, line))
                after_blank = False
    return paragraphs


def _continues(previous: str, line: str, wrapped: bool) -> bool:
    """Whether ``line`` carries on the paragraph that ``previous`` holds."""
    if LIST_MARKER.match(line):
        return False
    if line[0].islower():
        return True
    if ends_sentence(previous):
        return False
    return wrapped or bool(_hyphen_end(previous))


def _hyphen_end(text: str) -> re.Match | None:
    """A word broken by a hyphen at the end of ``text``; searched only when it ends in one, and
    only after the last space, which no word crosses (a paragraph grows line by line, and
    searching it all each time is quadratic)."""
    return HYPHEN_END.search(text, text.rfind(" ") + 1) if text.endswith("-") else None


def ends_sentence(line: str) -> bool:
    """Whether a line ends with terminal punctuation that is not an abbreviation's full stop."""
    # tried at the last stop only, not at every character: a paragraph grows line by line
    last_stop = max(line.rfind(c) for c in STOPS)  # ENDS_SENTENCE can match only there
    if last_stop < 0 or not ENDS_SENTENCE.match(line, last_stop):
        return False
    last = line.rsplit(maxsplit=1)[-1].rstrip(".").lower()
    return not (line.endswith(".") and last in ABBREVIATIONS)


def _join(previous: str, line: str, vocabulary: Vocabulary) -> str:
    """Two lines of one paragraph as one, mending a word hyphenated across the break."""
    broken = _hyphen_end(previous)
    if broken is None:
        return f"{previous} {line}"
    start = WORD_START.match(line)
    if start is None or not line[0].islower():
        return previous + line  # "Anti-" + "Social": a real hyphen
    head, tail = broken.group(1).lower(), start.group().lower()
    if f"{head}-{tail}" in vocabulary and f"{head}{tail}" not in vocabulary:
        return previous + line
    return previous[:-1] + line
