"""Web pages (.html, .htm): the text of the page with furniture elements dropped, via
BeautifulSoup and lxml."""

from __future__ import annotations

import re
from typing import Any

from ofsted_themes.reading.cleaning import SPACES, clean_pages
from ofsted_themes.reading.document import DocumentError
from ofsted_themes.reading.formats.text import NOT_TEXT

# Page furniture, dropped whole, with every form (feedback, search, sign-up) but one that holds
# the page's content: an ASP.NET WebForms page wraps all of it in one form (``_furniture``).
# A kept form's controls and their labels go all the same.
DROPPED_TAGS = [
    "head", "script", "style", "nav", "footer", "noscript", "template", "svg", "iframe",
    "search", "button", "input", "select", "textarea", "label", "option", "datalist",
]  # fmt: skip
# Where a <header> is an article's or a section's own heading (often its title and opening text)
# rather than the page's banner: a header inside one of these is kept. This is HTML's own rule
# (HTML-AAM): only a header scoped to the body is a "banner".
SECTIONING = ["article", "aside", "main", "nav", "section"]
BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip
START = re.compile(r"[0-9]{1,6}")  # a list start taken as given (see _list_start)
LINE = "\ue000"  # a private-use character marking a line break until whitespace is collapsed


# The generator named in the head of tag's report pages (reporting/html.py puts it there): an
# earlier run's report left in a folder of letters is not a letter
REPORT_GENERATOR = "ofsted-themes report"
OWN_REPORT = "a report of this tool, not a letter: keep reports out of the folders of letters"


def read_html(data: bytes) -> list[str]:
    """The text of a web page as one page: furniture elements dropped, block elements and list
    items on lines of their own (BeautifulSoup works out the encoding)."""
    from bs4 import BeautifulSoup

    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(NOT_TEXT)
    soup = BeautifulSoup(data, "lxml")
    if soup.find("meta", attrs={"name": "generator", "content": REPORT_GENERATOR}):
        raise DocumentError(OWN_REPORT)  # its sentences are the letters', counted twice
    _drop_furniture(soup)
    for br in soup("br"):
        br.replace_with(LINE)
    for tag in soup(BLOCK_TAGS):
        tag.insert_before(LINE)
        tag.append(LINE)
    for item in soup("li"):
        item.insert(0, _list_marker(item))
    text = SPACES.sub(" ", soup.get_text()).replace(LINE, "\n")
    return clean_pages([text])


def _drop_furniture(soup: Any) -> None:
    """Remove the page's furniture: DROPPED_TAGS and the page's banner (a header not inside a
    sectioning element), then the forms but one that holds the page's content, measured on
    what is left."""
    banners = [header for header in soup("header") if not header.find_parent(SECTIONING)]
    for tag in [*soup(DROPPED_TAGS), *banners]:
        tag.decompose()
    forms = [f for f in soup("form") if f.get("role") == "search" or not _holds_content(f)]
    for form in forms:  # each measured on the same page: none dropped before all are judged
        form.decompose()


def _holds_content(form: Any) -> bool:
    """Whether a form holds the page's content: its main or article, or most of the text of
    the main or article it is in (of the page, in neither). A feedback or sign-up form beside
    the content holds little of it."""
    if form.find(["main", "article"]) is not None:
        return True
    container = form.find_parent(["main", "article"]) or form.find_parent("body") or form
    return 2 * len(form.get_text()) > len(container.get_text())


def _list_marker(item: Any) -> str:
    """'• ' for an unordered list item, 'N. ' for an ordered one."""
    parent = item.find_parent(["ul", "ol"])
    if parent is None or parent.name == "ul":
        return "• "
    return f"{_list_start(parent) + len(item.find_previous_siblings('li'))}. "


def _list_start(ordered: Any) -> int:
    """The number of an ordered list's first item: its ``start`` when that is a plain number of
    sane size (up to 6 ASCII digits), else 1. A superscript digit passes ``str.isdigit`` but not
    ``int``, and a huge number is no numbering: neither may fail the letter."""
    start = str(ordered.get("start", "")).strip()
    return int(start) if START.fullmatch(start) else 1
