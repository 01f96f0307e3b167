"""The report of 300 letters in a real browser (headless Chromium): it fits a 1280-pixel screen,
its chart stays readable, every count opens its sentences, the cross-letter view filters and
exports them, and on paper the evidence shows. Size and time to first render are measured by
benchmarks/report_scale.py, not asserted here."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pytest
from report_factory import THEME_IDS, report_tables

from ofsted_themes.core.themes import Theme
from ofsted_themes.reporting.html import write_report

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser: {CHROMIUM} is not installed"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
THEMES = [Theme(t, t.title(), colour=c) for t, c in zip(THEME_IDS, COLOURS, strict=True)]
FORMULA = '=HYPERLINK("http://example.com") staffing caseloads agency'


@pytest.fixture(scope="module")
def tables():
    tags, summary = report_tables(300)
    row = tags.index[(tags["staffing"] == 1)][0]
    tags.loc[row, "text"] = FORMULA  # a sentence a spreadsheet would run
    return tags, summary


@pytest.fixture(scope="module")
def page(tables, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path_factory.mktemp("report") / "report.html"
    made = {"model": "models/tagger.skops", "fingerprint": "0123", "thresholds": {"cse": 0.5}}
    write_report(path, *tables, THEMES, "300 letters", made)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        viewport = {"width": 1280, "height": 900}
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.errors = errors
        page.report = path
        yield page
        browser.close()


def shows_rows(page, count: int) -> None:
    """The findings table shows ``count`` rows, once the page has applied its filter: it does
    so after the address changes, and a count read at once may see the table before."""
    from playwright.sync_api import expect

    expect(page.locator("#findings-table tbody tr:visible")).to_have_count(count, timeout=15_000)


def test_it_fits_1280_pixels_with_nothing_cut_off(page):
    assert page.errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    overflowing = page.evaluate(
        "Array.from(document.querySelectorAll('.scroll'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.parentElement.id)"
    )
    assert overflowing == []


def test_the_chart_has_a_group_per_year_and_labels_that_do_not_overlap(page, tables):
    years = sorted({str(d)[:4] for d in tables[1]["visit_date"]})
    labels = page.locator("svg.chart text.xlabel")
    assert labels.count() == len(years) == 12
    boxes = labels.evaluate_all("ls => ls.map(l => l.getBoundingClientRect().toJSON())")
    for left, right in itertools.pairwise(boxes):
        assert left["right"] <= right["left"] + 1
    bars = page.locator("svg.chart rect.bar")
    widths = bars.evaluate_all("bs => bs.map(b => b.getBoundingClientRect().width)")
    assert min(widths) >= 8  # bars a person can see and click


def test_a_letter_count_opens_exactly_its_sentences(page):
    cell = page.locator("#letters-table a.count").nth(3)
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_function("location.hash.startsWith('#findings')")
    shows_rows(page, expected)
    assert "letter:" in page.locator("#f-scope").inner_text()


def test_a_council_count_opens_its_sentences_and_the_scope_clears(page, tables):
    cell = page.locator("#councils-table a.count").first
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_function("location.hash.includes('council=')")
    shows_rows(page, expected)
    page.locator("#f-clear").click()
    theme = page.locator("#f-theme").input_value()
    shows_rows(page, int((tables[0][theme] == 1).sum()))


def test_the_text_filter_narrows_and_the_export_holds_what_is_shown(page, tmp_path):
    page.goto(page.url.split("#")[0] + "#findings?theme=staffing")
    page.locator("#f-text").fill("hyperlink")
    shows_rows(page, 1)
    assert page.locator("#f-count").inner_text() == "1 sentence"
    with page.expect_download() as download:
        page.locator("#f-export").click()
    saved = tmp_path / "sentences.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == 1
    assert rows[0]["text"] == "'" + FORMULA  # spreadsheet-safe, as the product's CSV files
    assert rows[0]["themes"].startswith("staffing 0.90")
    assert rows[0]["council"] and rows[0]["year"] and rows[0]["letter"].endswith(".pdf")
    page.locator("#f-text").fill("")


def test_on_paper_the_evidence_shows_under_each_tagged_sentence(page):
    page.emulate_media(media="print")
    try:
        tip = page.locator("article.letter .s.tagged .tip").first
        assert tip.is_visible()
        assert "Evidence:" in tip.inner_text()
        assert not page.locator(".controls").first.is_visible()
    finally:
        page.emulate_media(media="screen")


def test_the_page_says_when_it_was_written_though_its_bytes_carry_no_date(page):
    from datetime import datetime

    written = datetime.fromtimestamp(page.report.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    made = page.locator("header .made").inner_text()
    assert made.startswith("Model models/tagger.skops (fingerprint 0123)")
    assert made.endswith(f"written {written}")
