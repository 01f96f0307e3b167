"""Web pages (.html, .htm): the text of the page with furniture elements dropped, via
BeautifulSoup and lxml."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ofsted_themes.reading.cleaning import SOFT_BREAK, SPACES, clean_pages
from ofsted_themes.reading.document import DocumentError
from ofsted_themes.reading.formats.text import decode_text, text_pages

# Page furniture, dropped whole, with every form (feedback, search, sign-up) but one that holds
# the page's content: an ASP.NET WebForms page wraps all of it in one form (``_furniture``).
# A kept form's controls and their labels go all the same.
DROPPED_TAGS = [
    "head", "script", "style", "nav", "footer", "noscript", "template", "svg", "iframe",
    "search", "button", "input", "select", "textarea", "label", "option", "datalist",
]  # fmt: skip
# GOV.UK's furniture, by the design system's class names: a letter saved from GOV.UK has its
# phase banner ("This part of GOV.UK is being rebuilt") and feedback prompt ("Is this page
# useful?") outside <nav>, <header> and <footer>, and they were read as the letter's sentences
GOVUK_FURNITURE = frozenset({
    "govuk-phase-banner", "gem-c-feedback", "govuk-cookie-banner", "gem-c-cookie-banner",
    "govuk-skip-link", "gem-c-skip-link", "govuk-breadcrumbs", "gem-c-breadcrumbs",
    "gem-c-print-link", "app-c-back-to-top", "gem-c-layout-super-navigation-header",
})  # fmt: skip
# What a browser does not show: the ``hidden`` attribute, or an inline style hiding the element (a
# template's unused alternative, a pop-up's text); ``aria-hidden`` is shown, and so is read, and
# so is ``hidden="until-found"``, an accordion's closed section, which a reader opens.
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)", re.I)
# Where a <header> is an article's or a section's own heading (often its title and opening text)
# rather than the page's banner: a header inside one of these is kept. This is HTML's own rule
# (HTML-AAM): only a header scoped to the body is a "banner".
SECTIONING = ["article", "aside", "main", "nav", "section"]
CONTENT = ("main", "article")  # what holds a page's content, for a form's share of it
BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
]  # fmt: skip
START = re.compile(r"[0-9]{1,6}")  # a list start taken as given (see _list_start)
LINE = "\ue000"  # a private-use character marking a line break until whitespace is collapsed
SOFT_LINE = "\ue001"  # the same for a <br>, a break inside a paragraph (cleaning.SOFT_BREAK)


# The generator named in the head of tag's report pages (reporting/html.py puts it there): an
# earlier run's report left in a folder of letters is not a letter
REPORT_GENERATOR = "ofsted-themes report"
OWN_REPORT = "a report of this tool, not a letter: keep reports out of the folders of letters"


def read_html(data: bytes) -> list[str]:
    """The text of a web page as one page: furniture elements dropped, block elements and list
    items on lines of their own. Decoded as a text letter is (a BOM, UTF-8, else the likeliest
    encoding), whatever the page declares: browsers read a page declared UTF-16 without a BOM
    as UTF-8, and a page saved as UTF-8 under an old declaration is UTF-8 all the same."""
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # an XML file named .html is read as a page, and that is all
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(decode_text(data), "lxml")
    if soup.find("meta", attrs={"name": "generator", "content": REPORT_GENERATOR}):
        raise DocumentError(OWN_REPORT)  # its sentences are the letters', counted twice
    if (preformatted := _preformatted_text(soup)) is not None:
        return text_pages(preformatted)
    text = "".join(_pieces(soup, _furniture(soup)))
    text = SPACES.sub(" ", text).replace(LINE, "\n").replace(SOFT_LINE, SOFT_BREAK)
    return clean_pages([text])


PREFORMATTED_SHARE = 0.9  # of a page's text in <pre>, at least, to read it as a text letter


def _preformatted_text(soup: Any) -> str | None:
    """The text of a page that is a text letter in <pre> (a plain-text letter put on the web),
    read as a text letter is, its hard-wrapped lines rejoined and its paragraphs and lists as
    their blank lines and markers say; None for any other page. As a page's blocks, its address
    block ran into its first sentence and its bullets into one."""
    pres = soup.find_all("pre")
    if not pres:
        return None
    inside = [p.get_text() for p in pres if not p.find_parent("pre")]
    everything = soup.body.get_text() if soup.body else soup.get_text()
    shown = sum(map(_visible_characters, inside))  # not the white space between blocks
    if shown < PREFORMATTED_SHARE * _visible_characters(everything):
        return None
    return "\n\n".join(inside)


def _visible_characters(text: str) -> int:
    return len(text) - sum(map(text.count, " \t\r\n\f\v\xa0"))


# The page is read in walks over the tree that change nothing in it. Editing the tree (dropping
# furniture, a line break before and after each block) made BeautifulSoup look each element up
# in its parent's list of children, and its last descendant, every time: a page of 16,000
# paragraphs, or of tags nested 50,000 deep, took longer than the time a letter is allowed.


def _walk(root: Any, skip: Callable[[Any], bool]) -> Iterator[tuple[Any, bool]]:
    """Every node from ``root`` down in document order: (node, True) on reaching it and, for a
    tag, (tag, False) on leaving it. A tag that ``skip`` is true of is passed over with all it
    holds; ``skip`` is asked when the walk reaches the tag, so it may rely on the caller's own
    record of the tags open round it. A stack rather than recursion, for tags nested deep."""
    yield root, True
    open_tags, children = [root], [iter(root.contents)]
    while children:
        node = next(children[-1], None)
        if node is None:
            children.pop()
            yield open_tags.pop(), False
        elif isinstance(node, str):  # a NavigableString: text, a comment, a doctype...
            yield node, True
        elif not skip(node):
            yield node, True
            open_tags.append(node)
            children.append(iter(node.contents))


@dataclass(slots=True)
class _Measure:
    """A tag open in the walk for furniture: whether a header in it is the page's banner, and
    what a form in it (or it, as a form) is judged by. Counted as the walk goes, once: asking
    every header for its parents and every form for its container's text took time growing with
    the square of their number."""

    tag: Any
    sectioned: bool  # it or a tag round it is a sectioning element: a header in it is no banner
    content: Any  # the nearest main or article round it (or itself), else None
    body: Any  # the nearest body round it (or itself), else None
    chars: int = 0  # characters of its text, furniture left out
    holds_content: bool = False  # a main or an article is in it


def _furniture(soup: Any) -> set[int]:
    """The ids of the tags dropped with all they hold: DROPPED_TAGS, what a browser hides and
    the page's banner (a header not inside a sectioning element), then the forms but one that
    holds the page's content, measured on what is left."""
    dropped: set[int] = set()
    open_tags: list[_Measure] = []
    measured: dict[int, _Measure] = {}  # forms, and what they are measured against, when closed

    def drop(tag: Any) -> bool:
        banner = tag.name == "header" and not open_tags[-1].sectioned
        govuk = not GOVUK_FURNITURE.isdisjoint(tag.get("class") or ())
        hidden = tag.get("hidden") not in (None, "until-found") or HIDDEN_STYLE.search(
            tag.get("style") or ""
        )
        if tag.name in DROPPED_TAGS or banner or govuk or hidden:
            dropped.add(id(tag))
            return True
        return False

    for node, reached in _walk(soup, drop):
        if isinstance(node, str):
            if type(node) in soup.interesting_string_types:  # what get_text() counts
                open_tags[-1].chars += len(node)
        elif reached:
            open_tags.append(_measure(node, open_tags[-1] if open_tags else None))
        else:
            closed = open_tags.pop()
            if node.name in ("form", "body", *CONTENT):
                measured[id(node)] = closed
            if open_tags:
                open_tags[-1].chars += closed.chars
                open_tags[-1].holds_content |= closed.holds_content or node.name in CONTENT
    forms = [m for m in measured.values() if m.tag.name == "form"]
    for form in forms:  # each measured on the same page: none dropped before all are judged
        if form.tag.get("role") == "search" or not _holds_content(form, measured):
            dropped.add(id(form.tag))
    return dropped


def _measure(tag: Any, parent: _Measure | None) -> _Measure:
    """What is known of a tag on reaching it, from the tag open round it."""
    if parent is None:  # the document itself
        return _Measure(tag, sectioned=False, content=None, body=None)
    return _Measure(
        tag,
        sectioned=parent.sectioned or tag.name in SECTIONING,
        content=tag if tag.name in CONTENT else parent.content,
        body=tag if tag.name == "body" else parent.body,
    )


def _holds_content(form: _Measure, measured: dict[int, _Measure]) -> bool:
    """Whether a form holds the page's content: its main or article, or most of the text of
    the main or article it is in (of the page, in neither). A feedback or sign-up form beside
    the content holds little of it."""
    if form.holds_content:
        return True
    container = form.content or form.body
    whole = measured[id(container)] if container is not None else form
    return 2 * form.chars > whole.chars


@dataclass(slots=True)
class _Items:
    """A tag open in the walk for text: the list its <li> children are items of (the nearest
    list round it, or itself) and how many it has had so far. A running count: counting an
    item's earlier siblings again for every item took time growing with the square of them."""

    numbered: bool  # in an <ol>, not a <ul> or no list at all
    start: int  # the number of the list's first item
    count: int = 0


def _pieces(soup: Any, dropped: set[int]) -> Iterator[str]:
    """The page's text in pieces, in order, furniture left out: a LINE before and after each
    block element and for each <br>, and a marker at the start of each list item."""
    open_tags: list[_Items] = []
    # a list item's marker given and none of its text yet: a block opening inside the item
    # (<li><p>…</p></li>) puts no line between them, or the item's text was read as a
    # paragraph of its own, not as an item
    marker_waits = False
    for node, reached in _walk(soup, lambda tag: id(tag) in dropped):
        if isinstance(node, str):
            if type(node) in soup.interesting_string_types:  # no comments, doctypes, <rt>...
                marker_waits = marker_waits and not node.strip()
                yield node
        elif not reached:
            open_tags.pop()
            if node.name in BLOCK_TAGS:
                yield LINE
        else:
            if node.name in BLOCK_TAGS and not marker_waits:
                yield LINE
            elif node.name == "br":
                yield SOFT_LINE
            if node.name == "li":
                yield _list_marker(open_tags[-1])
                marker_waits = True
            open_tags.append(_items(node, open_tags[-1] if open_tags else None))


def _items(tag: Any, parent: _Items | None) -> _Items:
    """What a tag's list items are numbered by, from the tag open round it."""
    if tag.name == "ol":
        return _Items(numbered=True, start=_list_start(tag))
    if tag.name == "ul" or parent is None:  # parent None: the document itself
        return _Items(numbered=False, start=1)
    return _Items(parent.numbered, parent.start)


def _list_marker(parent: _Items) -> str:
    """'• ' for an unordered list item (or one in no list), 'N. ' for an ordered one, N
    counting the items before it in the same tag."""
    parent.count += 1
    return f"{parent.start + parent.count - 1}. " if parent.numbered else "• "


def _list_start(ordered: Any) -> int:
    """The number of an ordered list's first item: its ``start`` when that is a plain number of
    sane size (up to 6 ASCII digits), else 1. A superscript digit passes ``str.isdigit`` but not
    ``int``, and a huge number is no numbering: neither may fail the letter."""
    start = str(ordered.get("start", "")).strip()
    return int(start) if START.fullmatch(start) else 1
