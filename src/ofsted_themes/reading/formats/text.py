"""Plain text and Markdown: decoded (BOM, UTF-8, else charset-normalizer's guess), hard-wrapped
lines rejoined, form feeds as page breaks."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from itertools import pairwise

from ofsted_themes.reading.cleaning import clean_pages, ends_sentence
from ofsted_themes.reading.document import DocumentError

NOT_TEXT = "not a text file (binary content?): check the file and its extension"
BOMS = (  # UTF-32's before UTF-16's: UTF-32 LE's mark starts with UTF-16 LE's
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Windows-1252's bytes for € … ‘ ’ “ ” • – —, and every byte but 0x80-0x9F (to delete them)
WINDOWS_PUNCTUATION = frozenset(b"\x80\x85\x91\x92\x93\x94\x95\x96\x97")
NOT_C1_BYTES = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)


# Markdown's marks. Each pattern fails fast where it starts in the wrong place: a closing
# heading mark's spaces must follow a non-space, and a link's text and target stop at the next
# bracket, so that a long run of spaces or of "[" is one pass, not one per character.
HEADING_MARKS = re.compile(r"(?m)^ {0,3}#{1,6}\s+|(?<=\S)[ \t]+#+[ \t]*$")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# *x*, _x_ (not inside a word: snake_case and 2*3*4 stay), `code`
SINGLE_EMPHASIS = re.compile(r"(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])")
UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w_])_(?![\s_])([^_\n]+?)(?<!\s)_(?![\w_])")
CODE = re.compile(r"`([^`\n]+)`")
QUOTE_MARK = re.compile(r"(?m)^ {0,3}> ?")  # a quotation's ">" at a line's start
AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
IMAGE_MARK = re.compile(r"!(?=\[[^\[\]]*\]\()")  # an image's "!": its alt text is read
# a link's target may hold parentheses one deep (".../Foo_(bar)"); possessive, one pass
LINK = re.compile(r"\[([^\[\]]+)\]\((?:[^()]++|\([^()]*+\))*+\)")
REFERENCE_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")  # [text][label], [text][]
# a reference's target on a line of its own: "[label]: https://… "title"" (a target, then a title
# or nothing: "[Note]: caseloads are high" is prose)
REFERENCE_TARGET = re.compile(
    r"(?m)^ {0,3}\[[^\[\]]+\]:[ \t]*(?:<[^<>\n]*>|\S+)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$"
)
# YAML front matter: between two "---" lines at the very start, lines of keys and values (not
# a horizontal rule over prose). Each line is taken one way only (an atomic group): a line that
# reads two ways ("-a: b") would otherwise double the work of every failing match.
FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n"
    r"(?:(?>[\"']?[\w-]+(?: [\w-]+){0,2}[\"']?:(?:[ \t].*)?|[ \t-].*|#.*|)\n)*?"
    r"(?:---|\.\.\.)[ \t]*(?:\n|\Z)"
)
HARD_BREAK = re.compile(r"(?m)(?<=\S)\\$")  # a backslash ending a line: a line break
TABLE_ROW = re.compile(r"^[ \t]*\|(.*)\|[ \t]*$")
CELL_BORDER = re.compile(r"(?<!\\)\|")  # "\|" is a pipe in a cell's text
RULE_CELL = re.compile(r"[ \t]*:?-+:?[ \t]*")  # a cell of the row under a table's header


def read_text(data: bytes) -> list[str]:
    """Pages of a text file (form feeds separate pages)."""
    return text_pages(decode_text(data))


def read_markdown(data: bytes) -> list[str]:
    """Pages of a Markdown file, with front matter, heading marks, emphasis and link targets
    removed, and a table's cells each a paragraph (as a Word table's are)."""
    text = FRONT_MATTER.sub("", decode_text(data).replace("\r\n", "\n"))
    text = _table_cells(HARD_BREAK.sub("", text))
    text = QUOTE_MARK.sub("", HEADING_MARKS.sub("", text))
    text = EMPHASIS.sub(r"\2", text)
    text = SINGLE_EMPHASIS.sub(r"\1", UNDERSCORE_EMPHASIS.sub(r"\1", text))
    text = CODE.sub(r"\1", AUTOLINK.sub(r"\1", text))
    text = LINK.sub(r"\1", IMAGE_MARK.sub("", text))
    text = REFERENCE_LINK.sub(r"\1", REFERENCE_TARGET.sub("", text))
    return text_pages(text)


def _table_cells(text: str) -> str:
    """A Markdown table's rows as their cells, each a paragraph of its own, without the rule
    under the header: a row ends in "|", no sentence's end, and its findings were dropped."""
    if "|" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        row = TABLE_ROW.match(line)
        if row is None:
            lines.append(line)
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in CELL_BORDER.split(row[1])]
        if not all(RULE_CELL.fullmatch(cell) for cell in cells):
            lines += ["", *(x for cell in cells if cell for x in (cell, "")), ""]
    return "\n".join(lines)


def text_pages(text: str) -> list[str]:
    """Clean the pages of a text; hard-wrapped text gets its paragraph ends marked first."""
    pages = text.split("\f")
    width = _hard_wrap_width(pages)
    if width is None:
        return clean_pages(pages)
    return clean_pages([_mark_short_lines(page, width) for page in pages], wrapped=True)


def decode_text(data: bytes) -> str:
    """Text from bytes: a BOM, else UTF-8, else charset-normalizer's guess. Among equally
    plausible single-byte encodings Windows-1252 is preferred, as these are English letters
    (charset-normalizer may otherwise pick cp1250 and garble accented letters), and so it is
    for text whose bytes 0x80-0x9F are all its punctuation, unless the guess reads another
    script."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                if encoding.startswith("utf-32"):  # UTF-16 whose first character is NUL
                    data = bom + data
                    continue
                if encoding != "utf-8":
                    return data.decode(encoding, errors="replace")
                break  # a UTF-8 BOM before Windows-1252 text (an editor's): guessed below
    if b"\x00" in data[:4096]:
        return _bomless_utf16(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _has_utf8_characters(data):  # UTF-8 with a few stray bytes (a pasted Windows quote)
        return data.decode("utf-8", errors=STRAY_BYTES)
    import charset_normalizer

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise DocumentError(NOT_TEXT)
    if any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in matches):
        return data.decode("cp1252", errors="replace")
    if _windows_punctuation_only(data) and not _another_script(str(best)):
        return data.decode("cp1252")
    return str(best)


def _windows_punctuation_only(data: bytes) -> bool:
    """Whether the bytes 0x80-0x9F in ``data`` are all Windows-1252's punctuation (at least
    one): Word's € ‘ ’ “ ” – — … •, which the detector reads as Mac or DOS letters ("Ä3,000",
    "Childrenís") when nothing else in the text tells it the encoding."""
    used = set(data.translate(None, NOT_C1_BYTES))
    return bool(used) and used <= WINDOWS_PUNCTUATION


def _another_script(guess: str) -> bool:
    """Whether the detector's reading is mostly letters Windows-1252 cannot write (Cyrillic,
    Greek, Hebrew: a Windows code page of another script shares the punctuation's bytes)."""
    letters = [c for c in guess if c.isalpha()]
    foreign = sum(not c.encode("cp1252", errors="ignore") for c in letters)
    return foreign * 2 >= len(letters) > 0


def _bomless_utf16(data: bytes) -> str:
    """UTF-16 text saved without a byte-order mark (by some Windows programs): English text
    has a NUL byte beside nearly every character, all on one side; else a DocumentError, as
    any other bytes with NULs are no text."""
    head = data[:4096]
    pairs = len(head) // 2
    for encoding, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if pairs and zeros.count(0) >= 0.9 * pairs and len(data) % 2 == 0:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    raise DocumentError(NOT_TEXT)


def _stray_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """A byte that is not UTF-8 in UTF-8 text, read as Windows-1252 (what it almost always is)."""
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


STRAY_BYTES = "ofsted-themes-stray-bytes"
codecs.register_error(STRAY_BYTES, _stray_byte)


def _has_utf8_characters(data: bytes) -> bool:
    """Whether ``data`` holds characters encoded as UTF-8 beyond ASCII: then it is UTF-8, and
    a byte that is not is a stray, not a sign of another encoding of the whole text."""
    return not data.decode("utf-8", errors="ignore").isascii()


def _hard_wrap_width(pages: list[str]) -> int | None:
    """The line width of a hard-wrapped text (most lines near one width of at most 100
    characters, many not ending a sentence), or None for one paragraph per line."""
    lines = [line.strip() for page in pages for line in page.splitlines() if line.strip()]
    if len(lines) < 5:
        return None
    width = _near_longest(map(len, lines))
    wrapped = sum(len(line) >= 0.8 * width and not ends_sentence(line) for line in lines)
    if width > 100 or wrapped < max(3, len(lines) // 4):
        return None
    # measured on the lines a sentence surely runs on from (the next starts in lower case): a
    # few longer lines (a table's rows) made the width wider than the text's, and a wrapped
    # line that fell short of it ended its paragraph mid-sentence
    continued = [len(a) for a, b in pairwise(lines) if b[:1].islower() and not ends_sentence(a)]
    return _near_longest(continued) if len(continued) >= 3 else width


def _near_longest(lengths: Iterable[int]) -> int:
    """The 90th percentile of some line lengths: the width they are wrapped to."""
    ordered = sorted(lengths)
    return ordered[int(0.9 * (len(ordered) - 1))]


def _mark_short_lines(page: str, width: int) -> str:
    """Put a blank line after each line that ends its paragraph: the next line's first word
    would have fitted on it."""
    lines = [line.strip() for line in page.splitlines()]
    out = []
    for line, below in pairwise([*lines, ""]):  # a page may be empty: "\f" ends the last
        out.append(line)
        if line and below and width - len(line) > len(below.split()[0]) + 1:
            out.append("")
    return "\n".join(out)
