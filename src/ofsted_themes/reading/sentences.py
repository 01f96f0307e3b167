"""Sentence splitting with character offsets, and the cleaning of news articles into prose.

Sentences come from nupunkt (Punkt's unsupervised method, pure Python, no dependencies), fed a
paragraph at a time, with a few rules of our own around it: a quotation of several sentences is
split again, a cut after a title ("Cllr. | Jones") or before a lower-case continuation is mended,
and no sentence exceeds MAX_SENTENCE_CHARS. nupunkt was chosen by measurement
(``benchmarks/splitters.py``, README): with these rules it splits real letters' sentences more
exactly than pysbd with them (F1 0.998 against 0.994), 13 times as fast on letter-like text
and 45 times on real-letter paragraphs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

# A list item's marker: bullets, or "1." / "(a)" / "iv)" numbering, at the start of a line. A
# bullet glyph may touch its text ("•The"); a dash, a star, Word's second-level "o" and a number
# are followed by a space. A glyph of the Private Use Area is a symbol font's bullet: Word's
# Symbol bullet reads as U+F0B7 from its PDFs and copied text, and its items were lost. A number
# of four digits or more is not taken for one: "1500." starting a line of wrapped text ends the
# sentence broken before it ("contacts numbering | 1500. This is a rise"); an item numbered 1000
# is split from its number, which alone is no sentence (``_has_letter``).
BULLETS = "•●▪◦·‣⁃∙○■□◆◇►▸▶➢➤✓✔\ue000-\uf8ff"
LIST_MARKER = re.compile(
    rf"^\s*(?:[{BULLETS}]\s*|(?:[*\-–o]|\(?\d{{1,3}}[.)]|\(?[a-z]{{1,3}}\))\s+)"
)
# A line of prose ends a sentence: terminal punctuation, maybe inside closing quotes or brackets,
# maybe followed by a footnote's mark: "rising.¹", "rising.[1]", "rising.[footnote 1]" (a web
# page's), or "rising.1" and "will.”1" (a number only straight after the full stop of a word of
# three lower-case letters or more, or its closing quote, so that "see section 3.1", "case
# No.12" and "Reg.44 visits" do not end a sentence).
STOPS = ".!?:;"
FOOTNOTE_MARK = (
    r"(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}|\[(?:footnote\s)?\d{1,3}\]"
    r"|(?:(?<=[a-z]{3}\.)|(?<=[a-z]{3}\.[\"'”’)]))\d{1,2})"
)
ENDS_SENTENCE = re.compile(rf"[{re.escape(STOPS)}][\"'”’)\]]*{FOOTNOTE_MARK}?\s*$")
FOOTNOTE_ALONE = re.compile(
    r"[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}|\[(?:footnote\s)?\d{1,3}\]"
)  # split from its sentence
# A sentence standing on its own (split from a paragraph that ends in a fragment, or a line at a
# page's edge): it starts with a capital, a digit or an opening quote or bracket, and has at
# least SENTENCE_WORDS words, as a list item without a stop needs ("Leeds City Council." has not).
SENTENCE_START = re.compile(r"[\"'“‘(\[]?[A-Z0-9]")
SENTENCE_WORDS = 4
# Page furniture that ends like a sentence but is never a finding.
BOILERPLATE = re.compile(
    r"\b(?:subscribe|sign up|newsletter|required field|powered by|cookies?|all rights reserved|"
    r"click here|read more)\b|\b(?:picture|photo|image):",
    re.IGNORECASE,
)
# What a line must hold, folded (ASCII_FOLDS) and lower-cased, for BOILERPLATE to match it: a few
# substring tests in C spare most lines the pattern's case-blind search at every character.
BOILERPLATE_WORDS = (
    "subscribe", "sign up", "newsletter", "required field", "powered by", "cookie",
    "all rights reserved", "click here", "read more", "picture:", "photo:", "image:",
)  # fmt: skip
# The only characters beyond ASCII that a case-blind pattern takes for an ASCII letter (İ ı ſ and
# the Kelvin sign; a test checks every code point), folded to it: lower() alone would leave ı and
# ſ as they are and make İ two characters (the Kelvin sign it does lower to k).
ASCII_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def needs_folding(text: str) -> bool:
    """Whether ``text`` holds one of the ASCII_FOLDS characters: four searches in C, where
    translating a line beyond ASCII (a curly apostrophe) looks up each of its characters."""
    return not text.isascii() and any(c in text for c in "\u0130\u0131\u017f\u212a")


# The splitter may keep a multi-sentence quotation whole, or two sentences with a footnote's mark
# between them ("too high.2 Leaders are"); split it again after a full stop that ends a word (not
# an abbreviation) and is followed, after the mark if any, by a capital.
INNER_BOUNDARY = re.compile(rf"(?<=[a-z0-9%)\]][.!?])[\"'”’]?{FOOTNOTE_MARK}?\s+(?=[\"'“‘]?[A-Z])")
# Terminal punctuation followed by more text: a paragraph without one is a single sentence.
MID_STOP = re.compile(rf"[.!?…][\"'”’)\]]*{FOOTNOTE_MARK}?\s+\S")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st cllr coun rev no vs etc cf al approx para reg fig sec".split()
)

# A paragraph longer than WINDOW_CHARS is first cut at a cheap boundary (a full stop, then a
# capital) into windows of about that size, so that no input makes the splitter's work grow
# faster than its length; a letter's paragraphs are shorter and never see this rule. No sentence
# is longer than MAX_SENTENCE_CHARS: text without full stops is cut at spaces.
WINDOW_CHARS = 2_000
MAX_SENTENCE_CHARS = 2_000
CHEAP_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Span:
    """A sentence: its text and where it sits in the source text (``text == source[start:end]``)."""

    start: int
    end: int
    text: str
    list_item: bool = False  # the line carried a bullet or number
    # an item of a letter's list of what needs to improve (IMPROVE_HEADING): a concern by the
    # guideline, however it is worded ("The quality and use of performance information.")
    to_improve: bool = False


@cache
def _segmenter():
    """nupunkt's default English model, loaded once text arrives."""
    from nupunkt import load

    return load("default")


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
    """Offsets where a segment holds a further sentence boundary."""
    cuts = []
    for match in INNER_BOUNDARY.finditer(text):
        word = re.search(r"(\w+)[.!?]$", text[: match.start()])
        if word and word.group(1).lower() not in ABBREVIATIONS and len(word.group(1)) > 1:
            cuts.append(match.end())
    return cuts


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph's text, none over MAX_SENTENCE_CHARS."""
    for window_start, window_end in _windows(text):
        window = text[window_start:window_end]
        for start, end in _window_pieces(window):
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
    if not MID_STOP.search(text.rstrip()):  # one sentence: nothing to split
        yield 0, len(text)
        return
    cursor = 0
    for segment in _segmenter().tokenize(text):
        at = text.find(segment, cursor)
        if at < 0:  # the splitter altered the text: take the rest of the paragraph
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
    """The splitter cut too early: after an abbreviation ("Cllr. | Jones"), before a lower-case
    continuation ("Who Cares? | report"), or before a stray closing quote or a footnote's mark
    ("rising. | [1]")."""
    ends_abbreviation = re.search(r"(?:^|\W)(\w+)\.$", previous[-40:])
    return (
        piece[0].islower()
        or not any(c.isalnum() for c in piece)
        or bool(FOOTNOTE_ALONE.fullmatch(piece))
        or bool(ends_abbreviation and ends_abbreviation.group(1).lower() in ABBREVIATIONS)
    )


def split_paragraph(paragraph: Span) -> list[Span]:
    """Split one paragraph into sentences (the splitter is fed paragraph by paragraph: a
    paragraph is never one sentence with the next)."""
    return list(iter_paragraph(paragraph))


def iter_paragraph(paragraph: Span) -> Iterator[Span]:
    """The sentences of one paragraph as they are found (a caller may stop early)."""
    text, offset = paragraph.text, paragraph.start
    held: Span | None = None  # the last sentence, kept until the next shows it is complete
    for start, end in _pieces(text):
        piece = text[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        if start >= end:
            continue
        if held is not None and (mark := _leading_mark(text, start, end)):
            # the splitter cut before a footnote's mark ("promptly. | [footnote 1] Managers"):
            # the mark ends the sentence before, and the rest is the next
            held = Span(held.start, offset + mark, text[held.start - offset : mark])
            start = mark + len(text[mark:end]) - len(text[mark:end].lstrip())
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


# a footnote's mark that starts a piece the splitter cut: after the closing quote it holds
# ("high. | ”1 Managers"), a mark may be a plain number
LEADING_MARK = re.compile(rf"[\"'”’)]*(?:{FOOTNOTE_ALONE.pattern})|[\"'”’)]+\d{{1,2}}")


def _leading_mark(text: str, start: int, end: int) -> int | None:
    """Where a footnote's mark starting ``text[start:end]`` ends, if more text follows it and
    the mark touches the sentence before: after a space, a quotation opens ("this. | "12
    children are waiting," a manager said")."""
    if not start or text[start - 1].isspace():
        return None
    mark = LEADING_MARK.match(text, start, end)
    if mark and mark.end() < end and text[mark.end()].isspace():
        return mark.end()
    return None


def split_sentences(text: str) -> list[Span]:
    """All sentences of ``text``, one paragraph per line, with offsets into ``text``."""
    return [s for p in paragraphs(text) for s in split_paragraph(p)]


def is_prose(paragraph: Span) -> bool:
    """A line of an article worth labelling: it ends like a sentence and is not boilerplate.

    Headlines, bylines, dates, captions, navigation and teaser lists do not end in terminal
    punctuation; subscription and newsletter offers are caught by their wording.
    """
    return bool(ENDS_SENTENCE.search(paragraph.text)) and not is_boilerplate(paragraph.text)


def is_boilerplate(text: str) -> bool:
    """Page furniture by its wording (BOILERPLATE)."""
    lowered = (text.translate(ASCII_FOLDS) if needs_folding(text) else text).lower()
    return any(word in lowered for word in BOILERPLATE_WORDS) and bool(BOILERPLATE.search(text))


def reads_as_sentence(text: str) -> bool:
    """Whether a piece of text reads as a sentence of prose on its own: it starts like one, has
    SENTENCE_WORDS words or more and ends like one (not at an abbreviation's full stop)."""
    if not (SENTENCE_START.match(text) and ENDS_SENTENCE.search(text)):
        return False
    if len(text.split(maxsplit=SENTENCE_WORDS)) < SENTENCE_WORDS:
        return False
    last = text.rsplit(maxsplit=1)[-1].rstrip(".").lower()
    return not (text.endswith(".") and last in ABBREVIATIONS)


def article_sentences(raw: str) -> list[Span]:
    """The sentences of a news article's prose, with offsets into the raw article text."""
    return [s for p in paragraphs(raw) if is_prose(p) for s in split_paragraph(p)]


# A footnote's own text set as a paragraph of the letter ("2 Average caseload of 24 children."):
# a number that a footnote's mark in the text names ("too high.2", "high.²", "[2]"). Read as a
# sentence, it was counted, and tagged by what it says.
FOOTNOTE_TEXT = re.compile(r"(\d{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\s+(?=[A-Z])")
MARKS = re.compile(rf"[^\W\d_][.!?][\"'”’)]?({FOOTNOTE_MARK})(?=\s|$)")
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
NUMBER = re.compile(r"\d+")


def footnote_marks(text: str) -> set[str]:
    """The numbers of the footnote marks after a word's full stop in ``text``."""
    return {NUMBER.search(m[1].translate(SUPERSCRIPTS))[0] for m in MARKS.finditer(text)}


def letter_sentences(text: str, min_item_words: int = 4) -> list[Span]:
    """Sentences of a letter's page text: prose, and list items even without a full stop
    (letters list findings that way); headings, addresses and other furniture are dropped."""
    return list(iter_letter_sentences(text, min_item_words))


@dataclass
class ImprovementList:
    """Whether reading is within a letter's list of what needs to improve: opened by its
    heading (IMPROVE_HEADING, not itself a list item, as a table of contents' would be), closed
    by a paragraph that is not one of its items, or by an item that reads as a heading (a few
    words without a stop: "2. Strengths"); carried from page to page of one letter."""

    open: bool = False

    def follow(self, paragraph: Span, min_item_words: int) -> bool:
        """Whether ``paragraph`` is an item of the list, the state moved on past it."""
        if not paragraph.list_item:
            self.open = IMPROVE_HEADING.fullmatch(paragraph.text) is not None
            return False
        words = paragraph.text.split()
        if len(words) < min_item_words and not paragraph.text.rstrip().endswith((".", ";")):
            self.open = False
        return self.open


def iter_letter_sentences(
    text: str, min_item_words: int = 4, improving: ImprovementList | None = None
) -> Iterator[Span]:
    """:func:`letter_sentences` as they are found, so that a caller counting them can stop;
    ``improving``: the state of a list of what needs to improve, carried over from the page
    before (a page of its own, else)."""
    marks: set[str] | None = None  # the footnote marks of the text, found if a paragraph asks
    improving = improving or ImprovementList()
    for p in paragraphs(text):
        item = improving.follow(p, min_item_words)
        if numbered := FOOTNOTE_TEXT.match(p.text):
            marks = footnote_marks(text) if marks is None else marks
            if numbered[1].translate(SUPERSCRIPTS) in marks:
                continue
        if is_prose(p) or (p.list_item and len(p.text.split()) >= min_item_words):
            found: Iterator[Span] = iter_paragraph(p)
        else:
            found = _sentences_before_a_fragment(p)
        kept = (s for s in found if _has_letter(s.text) and not is_letter_furniture(s.text))
        yield from (replace(s, to_improve=True) for s in kept) if item else kept


def _sentences_before_a_fragment(paragraph: Span) -> Iterator[Span]:
    """The sentences of a paragraph that does not end like one: its last sentence may lack a
    stop, or end in a link or "(see annex)", and the sentences before it are still the letter's.
    Each is judged on its own, strictly (a heading or an address line is no sentence); a
    paragraph without a stop inside is one fragment, not split, and boilerplate is dropped."""
    if not MID_STOP.search(paragraph.text) or is_boilerplate(paragraph.text):
        return
    yield from (s for s in iter_paragraph(paragraph) if reads_as_sentence(s.text))


# A letter's furniture that ends like a sentence where a letter puts a full stop after each line:
# contact details and references ("T: 0300 123 1231.", "Our ref: MV/2023/2.", "cc: …"), an address
# ending in its postcode ("Ofsted, Piccadilly Gate, Manchester, M1 2WD."), the signature (a name,
# His Majesty's Inspector), and a heading ending in a colon (COLON_HEADING). Each was a sentence,
# and every share smaller for it. Each is short: a long sentence that starts with "Date:" is a
# finding the reading joined to a line of furniture, and stays.
LABELLED_LINE = re.compile(
    r"(?:Direct\s+(?:line\s+|dial\s+)?)?"  # "Direct email:", "Direct line tel:"
    r"(?:T|Tel|Telephone|Textphone|F|Fax|E|E-?mail|W|Web|Website|Our\s+ref(?:erence)?|"
    r"Your\s+ref(?:erence)?|Ref|URN|cc|From|To|Date)\s*:",
    re.IGNORECASE,
)
FURNITURE_WORDS = 24  # a labelled line of more words holds more than furniture
POSTCODE_END = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\.?$")
SIGNATURE = re.compile(
    r"(?:Senior\s+)?(?:(?:His|Her)\s+Majesty[’']s\s+(?:Chief\s+)?Inspector|HMI)"
    r"(?:\s+of\s+\w+)?\.?"
    r"|(?:[A-Z][a-z’'-]+\s+){1,2}[A-Z][a-z’'-]+\."  # a name alone: "Jo Leggett."
)
# a heading ending in a colon: a word alone ("Summary:", "From:"), or one naming areas ("Areas
# for improvement:", "Areas for priority action:"); a lead-in to a list of findings is a
# sentence, however short ("Leaders should:", "Inspectors found:")
COLON_HEADING = re.compile(r"\S+:|Areas?\s+(?:for|of)\s+(?:\S+\s+){0,2}\S+:", re.I)
# a question that is a heading: a web page's under its text (GOV.UK's "Is this page useful?", a
# council's "Was this page helpful?"), and the heading of Ofsted's list of what a council must
# improve ("What needs to improve in this area of social work practice?", "What does the local
# authority need to improve?"), which was a sentence of nearly every letter
QUESTION_HEADING = re.compile(
    r"(?:Is|Was|Did\s+you\s+find)\s+this\s+(?:page|information)\s+(?:useful|helpful)\??"
    r"|What\s+(?:needs|does\s+(?:the\s+)?[\w’' -]{2,40}?\s+need)\s+to\s+(?:improve|be\s+improved)"
    r"(?:\s+[\w’' -]{2,60})?\?",
    re.I,
)

# the heading of a letter's list of what needs to improve: its items, each a concern by the
# guideline however worded, are marked (Span.to_improve)
# (a tail only of where: "… in this area of social work practice"; "Areas of improvement since
# the last inspection include:" lists progress, and "What needs to improve is clear" is a finding)
IMPROVE_HEADING = re.compile(
    r"(?:What\s+(?:needs|does\s+(?:the\s+)?[\w’' -]{2,40}?\s+need)\s+to\s+"
    r"(?:improve|be\s+improved)|Areas?\s+for\s+(?:priority\s+action|improvement|development))"
    r"(?:\s+(?:in|for|across|within)\s+[\w’' -]{2,60})?\s*[?:.]?",
    re.I,
)

# a letter's thanks, a sign-off as "Yours sincerely" is ("We would like to thank the staff who
# met with inspectors."): no finding, yet its staff and managers were tagged staffing; "Thanks
# to a recruitment campaign, ..." is a finding, not thanks
THANKS = re.compile(
    r"(?:Thank\s+you|Many\s+thanks)\b"
    r"|(?:I|We|The\s+inspectors?|Inspectors|HMI)\s+(?:would\s+(?:like|wish)\s+|wish\s+|want\s+)"
    r"to\s+thank\b",
    re.IGNORECASE,
)
# thanks that go on to a finding ("We thank staff; however, children told us …") are a finding
TURNS = re.compile(r";|\b(?:however|but|although|though|while|whereas)\b", re.IGNORECASE)

# Ofsted's account of whom inspectors met ("In addition, we spoke to a range of staff, including
# managers, social workers and other practitioners."), a sentence of its letters' template: no
# finding, yet tagged staffing (0.95) or oversight in nearly every letter. Only the people met
# may follow the verb (spoke, talked or met with, interviewed, held discussions or focus groups
# with), and the records looked at: "Inspectors spoke to social workers, who said caseloads are
# too high" is a finding, and stays.
MET_WITH = re.compile(
    r"(?:(?:In\s+addition|Additionally|Also|During\s+(?:the|this)\s+visit),?\s+)?"
    r"(?:We|Inspectors|The\s+inspectors?|HMI)\s+(?:also\s+)?"
    r"(?:(?:spoke|talked|met)\s+(?:to|with)|interviewed"
    r"|held\s+(?:discussions|conversations|meetings|focus\s+groups)\s+with)\s+"
    r"(?P<whom>[\w’' ,-]+)\.",
    re.IGNORECASE,
)
PEOPLE_MET = frozenset(
    "a an the their its our range of including and or other as well with some many all members "
    "staff managers manager team senior leaders leader social workers worker practitioners "
    "practitioner children child young people person carers carer parents parent families "
    "family partners partner agencies agency frontline front-line line heads head directors "
    "director officers officer reviewing independent personal advisers adviser elected "
    "councillors councillor key professionals professional services service children’s "
    "children's "
    # and what else they looked at, where it names no theme ("… and looked at children's case
    # records"; "supervision files", "performance information" name one, and are kept)
    "looked at considered reviewed read sampled case records record files file electronic "
    "evidence documents information "
    # and where the people work or what they were asked of, where it names no theme ("… with
    # staff at all levels of the organisation", "… about their work with children"; "… about
    # caseloads" names one, and is kept)
    "about work practice at across levels level organisation organization supervisors "
    "supervisor".split()
)


def _whom_inspectors_met(text: str) -> bool:
    """Whether ``text`` only says whom inspectors met (MET_WITH, PEOPLE_MET)."""
    found = MET_WITH.fullmatch(text)
    return found is not None and all(
        word in PEOPLE_MET for word in re.findall(r"[\w’'-]+", found["whom"].lower())
    )


def is_letter_furniture(text: str) -> bool:
    """Whether a sentence of a letter is its furniture (COLON_HEADING, LABELLED_LINE,
    QUESTION_HEADING, THANKS, MET_WITH, POSTCODE_END, SIGNATURE); each test is cheap, as every
    sentence of every letter is asked."""
    if text.endswith(":") and COLON_HEADING.fullmatch(text):
        return True
    if len(text) > 250 or len(text.split(maxsplit=FURNITURE_WORDS)) > FURNITURE_WORDS:
        return False
    if LABELLED_LINE.match(text) or QUESTION_HEADING.fullmatch(text):
        return True
    if THANKS.match(text) and not TURNS.search(text):
        return True
    if _whom_inspectors_met(text):
        return True
    if POSTCODE_END.search(text, max(0, len(text) - 12)):  # an address, or a postcode alone
        return "," in text or len(text.split()) <= 2
    return len(text) < 60 and bool(SIGNATURE.fullmatch(text))


def _has_letter(text: str) -> bool:
    """Whether a sentence holds a letter: a number alone ("1000.", a list number that was not
    taken for one) is no sentence."""
    return any(c.isalpha() for c in text)
