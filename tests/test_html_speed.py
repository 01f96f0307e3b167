"""Long and deeply nested web pages read as short ones do: in walks over the page that change
nothing in it. Before, a hostile page of 16,000 paragraphs took 13 s (each block tag and <br>
was looked up in its parent's children to edit the tree), each list item counted the items
before it, and tags nested 50,000 deep took as long. No timings here: these pin what is read,
whatever the page's length or depth."""

from __future__ import annotations

import pytest

from ofsted_themes.reading.formats.html import read_html

AREAS = [f"Children in area {i} are not always seen quickly enough." for i in range(3000)]
FURNITURE = "".join(
    f"<p>{s}</p><script>track({i})</script><form>Sign up <input></form>"
    for i, s in enumerate(AREAS)
)


def html_lines(body: str) -> list[str]:
    """The lines read from a web page of ``body`` between site navigation and a footer."""
    page = f"<html><body><nav>Home</nav><main>{body}</main><footer>Licence</footer></body></html>"
    [text] = read_html(page.encode())
    return text.splitlines()


def nested(tag: str, depth: int, inner: str) -> str:
    """``inner`` inside ``depth`` tags, each inside the last."""
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


@pytest.mark.parametrize(
    "body",
    [
        "".join(f"<p>{s}</p>" for s in AREAS),
        "".join(f"<p>{s}</p><p>&nbsp;</p>" for s in AREAS),
        "<p>" + "<br>".join(AREAS) + "</p>",
        "".join(f"<div><section>{s}</section></div>" for s in AREAS),
        FURNITURE,  # a script and a sign-up form after every paragraph, all dropped
    ],
    ids=["paragraphs", "blank paragraphs between", "line breaks", "blocks in blocks", "furniture"],
)
def test_a_page_of_thousands_of_blocks_reads_each_on_a_line_of_its_own(body):
    assert html_lines(body) == AREAS


@pytest.mark.parametrize(
    ("tag", "start", "first"), [("ol", "", 1), ("ol", ' start="7"', 7), ("ul", ' start="7"', None)]
)
def test_a_list_of_thousands_of_items_marks_every_one(tag, start, first):
    items = "".join(f"<li>{s}</li>" for s in AREAS)
    markers = [f"{first + i}. " if first else "• " for i in range(len(AREAS))]
    assert html_lines(f"<{tag}{start}>{items}</{tag}>") == [
        marker + s for marker, s in zip(markers, AREAS, strict=True)
    ]


def test_nested_lists_number_their_own_items_and_the_list_round_them_carries_on():
    page = (
        '<ol start="3"><li>Plans.<ol><li>Visits.</li><li>Reviews.</li></ol></li>'
        "<li>Supervision.<ul><li>Caseloads.</li></ul></li><!-- a comment --><li>Training.</li>"
        "</ol><ol><li>Audits.</li></ol>"
    )
    assert html_lines(page) == [
        "3. Plans.",
        "1. Visits.",
        "2. Reviews.",
        "4. Supervision.",
        "• Caseloads.",
        "5. Training.",
        "1. Audits.",
    ]


def test_tags_nested_thousands_deep_are_read_in_order():
    depth = 5000  # far deeper than Python's recursion limit
    body = "".join(f"<div>Level {i}." for i in range(depth)) + "</div>" * depth
    assert html_lines(body) == [f"Level {i}." for i in range(depth)]


def test_a_header_deep_in_sections_is_read_and_one_deep_in_divs_is_the_banner():
    page = (
        nested("div", 2000, "<header>Skip to main content</header>")
        + nested("section", 2000, "<header>Focused visit to Newtown</header>")
        + "<p>Caseloads are too high.</p>"
    )
    assert read_html(page.encode()) == ["Focused visit to Newtown\nCaseloads are too high."]


def test_of_thousands_of_forms_the_one_holding_the_letter_is_read():
    feedback = "<form><p>Was this page useful?</p></form>" * 2000
    page = f"<html><body>{feedback}<form><main>{FURNITURE}</main></form>{feedback}</body></html>"
    assert read_html(page.encode())[0].splitlines() == AREAS
