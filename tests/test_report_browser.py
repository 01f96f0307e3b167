"""The HTML report in a real browser: it renders, highlights, shows evidence, runs no payload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ofsted_themes.core.themes import Theme
from ofsted_themes.reporting.html import theme_class, write_report
from ofsted_themes.tagging.summary import summarise

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser: {CHROMIUM} is not installed"),
]
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
THEMES = [
    Theme("cse", "Child sexual exploitation", colour="#d62728"),
    Theme("missing", "Missing children", colour="#1f77b4"),
    Theme("staffing", "Workforce and staffing", colour="#2ca02c"),
    Theme("oversight", "Management oversight", colour="#9467bd"),
]
RGB = {"cse": "rgb(214, 39, 40)", "staffing": "rgb(44, 160, 44)"}
XSS = "Leaders said <script>window.__xss = 1</script> & <img src=x onerror='window.__xss=2'>."
LETTERS = {
    "Ashshire ILACS 2019.pdf": [
        ("Ofsted inspected services for children in Ashshire.", {}, ""),
        (
            "Children at risk of sexual exploitation are not always identified quickly.",
            {"cse": 0.93},
            "cse: sexual exploitation",
        ),
        (
            "High caseloads and agency staff mean managers miss county lines risks.",
            {"cse": 0.71, "staffing": 0.88, "oversight": 0.62},
            "cse: county lines; staffing: caseloads, agency staff; oversight: managers",
        ),
        (XSS, {}, ""),
        (
            "Return home interviews are not completed for children who go missing.",
            {"missing": 0.9},
            "missing: go missing, return home interviews",
        ),
    ],
    "Beeton focused visit 2020.pdf": [
        (
            "Social workers told inspectors that they feel supported.",
            {"staffing": 0.66},
            "staffing: staff feel supported",
        ),
        ("Supervision is regular and reflective.", {"oversight": 0.81}, "oversight: supervision"),
        ("The local authority has made progress.", {}, ""),
    ],
    "Ceeford monitoring visit 2021.pdf": [
        ("This letter summarises the visit.", {}, ""),
        ("Nothing else of note was found.", {}, ""),
    ],
}


def build_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for document, sentences in LETTERS.items():
        for no, (text, scores, evidence) in enumerate(sentences, 1):
            row = {"document": document, "sentence_no": no, "page": 1 + no // 3, "text": text}
            for theme in THEMES:
                row[theme.id] = int(theme.id in scores)
                row[f"{theme.id}_score"] = scores.get(theme.id, 0.05)
            # a tagged sentence "not ..." raises a concern, as a tagger with a concern model says
            raised = bool(scores) and " not " in text
            row |= {"concern": int(raised), "concern_score": 0.9 if raised else 0.1}
            rows.append({**row, "evidence": evidence})
    tags = pd.DataFrame(rows)
    metadata = pd.DataFrame(
        {
            "document": list(LETTERS),
            "council": ["Ashshire", "Beeton", "Ceeford"],
            "visit_type": ["ILACS", "Focused visit", "Monitoring visit"],
            "visit_dates": ["1 to 12 April 2019", "3 and 4 June 2020", "9 July 2021"],
            "visit_date": ["2019-04-12", "2020-06-04", "2021-07-09"],
            "judgement": ["Requires improvement", "", ""],
        }
    )
    return tags, summarise(tags, metadata, [t.id for t in THEMES])


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    tags, summary = build_tables()
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, tags, summary, THEMES, "Theme report <test> & check")
    return path, tags, summary


@pytest.fixture(scope="module")
def errors() -> list[str]:
    """Page errors and console errors seen by the page, for every test to check."""
    return []


@pytest.fixture(scope="module")
def page(report, errors):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = report[0]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.on(
            "console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None
        )
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        yield page
        browser.close()


def test_no_errors_and_payload_did_not_run(page, errors):
    assert errors == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img").count() == 0
    text = page.locator(".s .tx", has_text="Leaders said").inner_text()
    assert "<script>window.__xss = 1</script>" in text
    assert page.title() == "Theme report <test> & check"


def test_chart_bars_have_size(page, report):
    summary = report[2]
    expected = int(sum((summary[f"{t.id}_count"] > 0).sum() for t in THEMES))
    bars = page.locator("svg.chart rect.bar")
    assert bars.count() == expected == 6  # Ashshire: 4 themes, Beeton: 2
    sizes = bars.evaluate_all("bs => bs.map(b => b.getBoundingClientRect().toJSON())")
    assert all(s["width"] > 0 and s["height"] > 0 for s in sizes)
    fills = bars.evaluate_all("bs => bs.map(b => getComputedStyle(b).fill)")
    assert RGB["cse"] in fills


def test_highlights_use_theme_colours(page):
    cse_only = page.locator(".s", has_text="not always identified quickly")
    cse_only.scroll_into_view_if_needed()
    assert cse_only.is_visible()
    assert theme_class("cse") in cse_only.get_attribute("class")
    background = cse_only.evaluate("e => getComputedStyle(e).backgroundImage")
    assert RGB["cse"] in background
    several = page.locator(".s", has_text="High caseloads")
    background = several.evaluate("e => getComputedStyle(e).backgroundImage")
    assert RGB["cse"] in background
    assert RGB["staffing"] in background
    plain = page.locator(".s", has_text="The local authority has made progress")
    assert plain.evaluate("e => getComputedStyle(e).backgroundImage") == "none"


def test_hover_shows_evidence(page):
    sentence = page.locator(".s", has_text="High caseloads")
    tip = sentence.locator(".tip")
    assert not tip.is_visible()
    sentence.hover()
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "staffing: caseloads, agency staff" in text
    assert "0.88" in text
    page.mouse.move(0, 0)


def test_toggle_hides_a_theme(page):
    sentence = page.locator(".s", has_text="not always identified quickly")
    page.locator(f".toggles input[data-theme='{theme_class('cse')}']").uncheck()
    assert RGB["cse"] not in sentence.evaluate("e => getComputedStyle(e).backgroundImage")
    page.locator(f".toggles input[data-theme='{theme_class('cse')}']").check()
    assert RGB["cse"] in sentence.evaluate("e => getComputedStyle(e).backgroundImage")


def test_a_chart_bar_opens_its_years_sentences_of_its_theme(page):
    page.locator("svg.chart a:has(rect.bar.t-staffing)").first.click()
    page.wait_for_function("location.hash.startsWith('#findings')")
    from playwright.sync_api import expect

    rows = page.locator("#findings-table tbody tr:visible")
    expect(rows).to_have_count(1)  # Ashshire (2019) has one staffing sentence (once filtered)
    assert "High caseloads" in rows.first.inner_text()
    assert page.locator("#f-theme").input_value() == "staffing"
    assert "year: 2019" in page.locator("#f-scope").inner_text()


def test_a_count_of_concerns_opens_those_sentences_and_clearing_shows_all(page):
    from playwright.sync_api import expect

    page.goto(page.url.split("#")[0] + "#summary")
    link = page.locator("#letters-table small.concerns a").first  # Ashshire's cse
    count = int(link.inner_text().split()[0])
    link.click()
    page.wait_for_function("location.hash.indexOf('concern=1') >= 0")
    rows = page.locator("#findings-table tbody tr:visible")
    expect(rows).to_have_count(count)
    assert "not always identified quickly" in rows.first.inner_text()
    assert all(r.get_attribute("data-concern") == "1" for r in rows.all())
    assert "concerns" in page.locator("#f-scope").inner_text()
    page.locator("#f-clear").click()
    assert page.locator("#f-concern").input_value() == ""
    # the theme stays chosen; its sentences that raise no concern are back
    expect(rows).to_have_count(page.locator("#findings-table tbody tr[data-themes*=cse]").count())
    assert {r.get_attribute("data-concern") for r in rows.all()} == {"0", "1"}
    # the text filter reads the sentences, not the concern marks
    page.locator("#f-text").fill("concern")
    expect(rows).to_have_count(0)
    page.locator("#f-text").fill("")


def test_a_letter_link_reaches_the_letter(page):
    page.locator("#letters-table td.c-letter a").nth(1).click()
    heading = page.locator("article.letter h3", has_text="Beeton focused visit 2020.pdf")
    heading.wait_for(state="visible")
    assert page.evaluate("location.hash").startswith("#letter-2-")
    box = heading.bounding_box()
    header = page.locator("header.top").bounding_box()
    assert box["y"] >= header["y"] + header["height"] - 1  # not under the sticky header


def test_screenshot(page, errors, tmp_path_factory):
    shots = tmp_path_factory.mktemp("shots")
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    page.locator(".s", has_text="High caseloads").hover()
    page.screenshot(path=str(shots / "hover.png"))
    assert (shots / "report.png").stat().st_size > 10_000
    assert errors == []
