"""Web pages (.html, .htm): the text of the page with furniture elements dropped, via
BeautifulSoup and lxml."""

from __future__ import annotations

from typing import Any

from ofsted_themes.reading.cleaning import SPACES, clean_pages
from ofsted_themes.reading.document import DocumentError
from ofsted_themes.reading.formats.text import NOT_TEXT

DROPPED_TAGS = [
    "head", "script", "style", "nav", "header", "footer", "noscript", "template", "svg",
    "form", "button", "iframe",
]  # fmt: skip
BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip
LINE = "\ue000"  # a private-use character marking a line break until whitespace is collapsed


def read_html(data: bytes) -> list[str]:
    """The text of a web page as one page: furniture elements dropped, block elements and list
    items on lines of their own (BeautifulSoup works out the encoding)."""
    from bs4 import BeautifulSoup

    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(NOT_TEXT)
    soup = BeautifulSoup(data, "lxml")
    for tag in soup(DROPPED_TAGS):
        tag.decompose()
    for br in soup("br"):
        br.replace_with(LINE)
    for tag in soup(BLOCK_TAGS):
        tag.insert_before(LINE)
        tag.append(LINE)
    for item in soup("li"):
        item.insert(0, _list_marker(item))
    text = SPACES.sub(" ", soup.get_text()).replace(LINE, "\n")
    return clean_pages([text])


def _list_marker(item: Any) -> str:
    """'• ' for an unordered list item, 'N. ' for an ordered one."""
    parent = item.find_parent(["ul", "ol"])
    if parent is None or parent.name == "ul":
        return "• "
    start = int(parent.get("start", "1")) if str(parent.get("start", "1")).isdigit() else 1
    return f"{start + len(item.find_previous_siblings('li'))}. "
