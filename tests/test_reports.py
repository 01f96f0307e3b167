"""Output tables, per-letter summary and the HTML report (fast tests)."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from urllib.parse import urlencode

import jinja2
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ofsted_themes.core.tables import read_table, write_table
from ofsted_themes.core.themes import Theme
from ofsted_themes.reporting import html as reports
from ofsted_themes.reporting.chart import tick_step
from ofsted_themes.reporting.html import render_report, safe_colour, theme_class, write_report
from ofsted_themes.tagging.summary import summarise

THEMES = [
    Theme("cse", "Child sexual exploitation", colour="#d62728"),
    Theme("staffing", "Workforce and staffing", colour="#2ca02c"),
]
THEME_IDS = [t.id for t in THEMES]
PAYLOAD = "Managers said <script>alert(1)</script> & \"quotes\" 'too' > fine."


def sentence(document, no, text, cse=0, staffing=0, evidence="", page=1):
    return {
        "document": document,
        "sentence_no": no,
        "page": page,
        "text": text,
        "cse": cse,
        "cse_score": 0.9 if cse else 0.1,
        "staffing": staffing,
        "staffing_score": 0.8 if staffing else 0.05,
        "evidence": evidence,
    }


@pytest.fixture
def tags() -> pd.DataFrame:
    return pd.DataFrame(
        [
            sentence(
                "A.pdf", 1, "Children at risk of sexual exploitation.", 1, 0, "cse: exploitation"
            ),
            sentence("A.pdf", 2, PAYLOAD, 1, 1, "cse: county lines; staffing: caseloads", page=2),
            sentence("A.pdf", 3, "The weather was fine.", page=2),
            sentence("B.pdf", 1, 'Nothing to see here, "really".', 0, 0),
            sentence("B.pdf", 2, "Still nothing.", 0, 0),
        ]
    )


@pytest.fixture
def metadata() -> pd.DataFrame:
    rows = [
        ("A.pdf", "Ashshire", "ILACS", "1-5 May 2019", "2019-05-05", "Inadequate"),
        ("B.pdf", "Beeton", "Focused visit", "3 June 2020", "2020-06-03", ""),
        ("C.pdf", "Ceeford", "ILACS", "9 July 2021", "2021-07-09", "Good"),
    ]
    columns = ["document", "council", "visit_type", "visit_dates", "visit_date", "judgement"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def summary(tags, metadata) -> pd.DataFrame:
    return summarise(tags, metadata, THEME_IDS)


# --- summarise -------------------------------------------------------------------------------


def test_summarise_counts_and_shares(summary):
    assert list(summary.columns) == [
        "document",
        "council",
        "visit_type",
        "visit_dates",
        "visit_date",
        "year",
        "judgement",
        "sentences",
        "cse_count",
        "cse_share",
        "staffing_count",
        "staffing_share",
    ]
    rows = summary.set_index("document")
    assert list(rows.index) == ["A.pdf", "B.pdf", "C.pdf"]
    assert rows.loc["A.pdf", ["sentences", "cse_count", "staffing_count"]].tolist() == [3, 2, 1]
    assert rows.loc["A.pdf", "cse_share"] == 0.6667  # to four places, as scores are
    assert rows.loc["A.pdf", "staffing_share"] == 0.3333
    # B: sentences but nothing tagged.
    assert rows.loc["B.pdf", ["sentences", "cse_count", "staffing_count"]].tolist() == [2, 0, 0]
    assert rows.loc["B.pdf", "cse_share"] == 0.0
    # C: in the metadata, no sentences at all: still a row, shares 0 rather than NaN.
    assert rows.loc["C.pdf", ["sentences", "cse_count", "staffing_count"]].tolist() == [0, 0, 0]
    assert rows.loc["C.pdf", ["cse_share", "staffing_share"]].tolist() == [0.0, 0.0]
    assert rows.loc["C.pdf", "council"] == "Ceeford"
    assert rows["year"].tolist() == ["2019", "2020", "2021"]  # of visit_date, to roll up by
    assert summary["cse_count"].dtype.kind == "i"


def test_shares_round_the_exact_value_half_to_even_as_spark_does(metadata):
    """1 of 160 is 0.00625 in decimal but a little more as a float: the exact value rounds up
    (Spark's bround, Python's round), where numpy's round(4) would give 0.0062."""
    rows = [sentence("A.pdf", n, "text", cse=int(n == 1)) for n in range(1, 161)]
    summary = summarise(pd.DataFrame(rows), metadata, THEME_IDS).set_index("document")
    assert summary.loc["A.pdf", "cse_share"] == 0.0063


def test_a_summary_of_no_letters_keeps_the_columns_and_their_number_types(summary):
    """A run whose every letter failed, or a resume that adds none, writes an empty summary:
    counts stay whole numbers and shares decimals, as in a summary with rows."""
    from ofsted_themes.tagging.summary import summary_of

    empty = summary_of([], THEME_IDS)
    assert empty.empty and list(empty.columns) == list(summary.columns)
    kinds = {c: empty[c].dtype.kind for c in empty.columns if c.endswith(("count", "share"))}
    assert kinds == {f"{t}_{k}": "if"[k == "share"] for t in THEME_IDS for k in ("count", "share")}
    assert empty["sentences"].dtype.kind == "i"


def test_summarise_keeps_letters_missing_from_metadata(tags, metadata):
    summary = summarise(tags, metadata[metadata.document != "B.pdf"], THEME_IDS)
    assert list(summary.document) == ["A.pdf", "C.pdf", "B.pdf"]
    assert summary.set_index("document").loc["B.pdf", "sentences"] == 2


# --- tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_table_round_trip(tmp_path, tags, summary, suffix):
    for name, frame in (("tags", tags), ("summary", summary)):
        path = write_table(frame, tmp_path / f"{name}{suffix}")
        back = read_table(path)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"summary{suffix}", f"tags{suffix}"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl", ".parquet"])
def test_text_columns_stay_text(tmp_path, suffix):
    frame = pd.DataFrame({"document": ["007"], "council": ["1"], "sentence_no": [1]})
    back = read_table(write_table(frame, tmp_path / f"t{suffix}"))
    assert back.loc[0, "document"] == "007"
    assert back.loc[0, "sentence_no"] == 1


@pytest.mark.parametrize("name", ["tags.xls", "tags", "tags.json"])
def test_unknown_extension_is_a_clear_error(tmp_path, tags, name):
    with pytest.raises(ValueError, match=r"\.csv, \.xlsx, \.jsonl, \.parquet"):
        write_table(tags, tmp_path / name)
    with pytest.raises(ValueError, match="unsupported output format"):
        read_table(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "suffix, method", [(".csv", "to_csv"), (".jsonl", "to_json"), (".parquet", "to_parquet")]
)
def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch, tags, suffix, method):
    def half_then_fail(self, f, *args, **kwargs):
        f.write(b"partial" if "b" in f.mode else "partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, method, half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        write_table(tags, tmp_path / f"tags{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch, tags):
    path = write_table(tags, tmp_path / "tags.csv")
    before = path.read_bytes()

    def fail(self, f, *args, **kwargs):
        f.write("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail)
    with pytest.raises(KeyboardInterrupt):
        write_table(tags, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["tags.csv"]


# --- HTML report -------------------------------------------------------------------------------


def soup_of(tags, summary, title="Report <b>&</b>") -> BeautifulSoup:
    return BeautifulSoup(render_report(tags, summary, THEMES, title), "html.parser")


def sentence_divs(soup: BeautifulSoup) -> dict[str, list[str]]:
    return {div.select_one(".tx").get_text(): div["class"] for div in soup.select("div.s")}


def test_a_letter_without_a_council_is_unknown_in_the_letters_table_as_in_the_rollups(
    tags, summary
):
    blank = summary.copy()
    blank.loc[blank["document"] == "B.pdf", "council"] = None
    soup = soup_of(tags, blank)
    rows = {
        tr.select_one("td.c-letter")["data-v"]: tr for tr in soup.select("#letters-table tbody tr")
    }
    assert rows["B.pdf"].select("td")[1].get_text() == "unknown"  # it was blank
    councils = [td.get_text() for td in soup.select("#councils-table tbody tr td:first-child")]
    assert "unknown" in councils


def test_report_escapes_table_text(tags, summary):
    evil = summary.copy()
    evil.loc[0, "council"] = "<img src=x onerror=alert(2)>"
    html = render_report(tags, evil, THEMES, "Report <b>&</b>")
    soup = BeautifulSoup(html, "html.parser")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert PAYLOAD in sentence_divs(soup)
    assert all("alert" not in (s.string or "") for s in soup.find_all("script"))
    assert len(soup.find_all("script")) == 1
    assert soup.find("img") is None
    assert soup.find(string=lambda s: "<img src=x" in s) is not None
    assert soup.title.get_text() == "Report <b>&</b>"
    assert soup.find("b", string="&") is None


def test_each_tagged_sentence_gets_its_theme_class(tags, summary):
    classes = sentence_divs(soup_of(tags, summary))
    assert len(classes) == len(tags)
    for row in tags.itertuples():
        expected = {theme_class(t) for t in THEME_IDS if getattr(row, t)}
        got = set(classes[row.text]) & {theme_class(t) for t in THEME_IDS}
        assert got == expected, row.text
        assert ("tagged" in classes[row.text]) == bool(expected)


def test_tooltip_carries_scores_and_evidence(tags, summary):
    soup = soup_of(tags, summary)
    tagged = soup.select("div.s.tagged")
    assert len(tagged) == 2
    tip = tagged[1].select_one(".tip").get_text(" ")
    assert "cse: county lines; staffing: caseloads" in tip
    assert "0.90" in tip
    assert "0.80" in tip
    assert all(div.select_one(".tip") is None for div in soup.select("div.s:not(.tagged)"))


def test_a_letter_in_full_marks_its_concerns_and_says_why_each_was_raised(tags, metadata):
    """A letter's 0 concerns could not be checked against its sentences: its chips now count
    them, and each tagged sentence says whether it raises one, by its score or by the letter's
    list of what needs to improve (raised whatever the model's score)."""
    tags = tags.assign(concern=[1, 1, 0, 0, 0], concern_score=[0.81, 0.12, 0.0, 0.0, 0.0])
    soup = soup_of(tags, summarise(tags, metadata, THEME_IDS))
    (letter_a, *_) = soup.select("article.letter")
    chips = [words(chip) for chip in letter_a.select(".chip")]
    assert chips == ["Child sexual exploitation 2 2 concerns", "Workforce and staffing 1 1 concern"]
    divs = letter_a.select("div.s")
    assert ["raised" in div["class"] for div in divs] == [True, True, False]
    assert [div.select(".concern-mark") != [] for div in divs] == [True, True, False]
    assert "a concern 0.81" in words(divs[0].select_one(".tip"))
    assert "listed under what needs to improve (model 0.12)" in words(divs[1].select_one(".tip"))
    plain = tags.drop(columns=["concern", "concern_score"])
    soup = soup_of(plain, summarise(plain, metadata, THEME_IDS))
    assert not soup.select(".concern-mark, .chip .concerns, .tip .cn")


def test_a_large_run_shows_letters_in_full_up_to_a_budget_and_counts_every_letter(
    tags, summary, monkeypatch
):
    """190,000 sentences gave a 285 MB page, 2.8 GB to write, that opens in no browser: past
    the budget a letter keeps its heading and counts, its text left out and said so."""
    import ofsted_themes.reporting.html as report

    monkeypatch.setattr(report, "FULL_TEXT_SENTENCES", 2)  # A has 3 sentences, B 2
    soup = soup_of(tags, summary)
    letter_a, letter_b, letter_c = soup.select("article.letter")
    assert not letter_a.select("div.s")  # too long for the budget: left out, and said so
    assert "Its text is left out" in words(letter_a.select_one("p.empty"))
    assert len(letter_b.select("div.s")) == 2 and not letter_b.select("p.empty")  # room for it
    assert "No sentences were found" in words(letter_c.select_one("p.empty"))  # C has none
    assert "The text of 1 letter is left out" in words(soup.select_one("#letters"))
    assert len(soup.select("#letters-table tbody tr")) == 3  # the counts cover every letter
    assert len(soup.select("#findings-table tbody tr")) == 2


def words(element) -> str:
    return " ".join(element.get_text().split())


def test_report_structure_links_and_order(tags, summary):
    soup = soup_of(tags, summary)
    letters = soup.select("article.letter")
    assert [a.h3.get_text() for a in letters] == ["A.pdf", "B.pdf", "C.pdf"]
    ids = {a["id"] for a in letters}
    assert len(ids) == 3
    assert {a["href"][1:] for a in soup.select("#letters-table td.c-letter a")} == ids
    # The chart groups letters by year; bars only for non-zero counts: A (2019) has cse and
    # staffing, B and C nothing; each bar links to its year's sentences of its theme.
    assert len(soup.select("svg.chart rect.bar")) == 2
    assert soup.select("svg.chart rect.bar title")[0].get_text().startswith("2019 · ")
    bar_links = [a["href"] for a in soup.select("svg.chart a") if a.rect]
    assert bar_links == ["#findings?year=2019&theme=cse", "#findings?year=2019&theme=staffing"]
    labels = [t.contents[-1] for t in soup.select("svg.chart a text.xlabel")]
    assert labels == ["2019", "2020", "2021"]
    # Page order within a letter, and the empty letter says so.
    assert [p.get_text() for p in letters[0].select(".page")] == ["Page 1", "Page 2"]
    assert letters[2].select_one(".empty") is not None
    assert "Ashshire" in letters[0].select_one("dl.meta").get_text()


def test_sentences_are_ordered_by_page_then_number(tags, summary):
    shuffled = tags.iloc[::-1].reset_index(drop=True)
    numbers = [
        div.select_one(".no").get_text() for div in soup_of(shuffled, summary).select("div.s")
    ]
    assert numbers == ["1", "2", "3", "1", "2"]


def test_unsafe_ids_and_colours_cannot_break_out():
    assert theme_class("cse") == "t-cse"
    assert theme_class("a b'<x>") == "t-a_b__x_"
    assert safe_colour("#d62728") == "#d62728"
    assert safe_colour("rebeccapurple") == "rebeccapurple"
    assert safe_colour("red;}</style><script>") == "#777777"


def test_empty_report_renders(tmp_path):
    tags = pd.DataFrame(columns=["document", "sentence_no", "page", "text", "evidence"])
    summary = pd.DataFrame(columns=["document", "sentences"])
    path = write_report(tmp_path / "out" / "report.html", tags, summary, THEMES, "Empty")
    assert "0 letters" in path.read_text(encoding="utf-8")


def test_write_report_is_atomic(tmp_path, monkeypatch, tags, summary):
    import ofsted_themes.reporting.html as reports

    monkeypatch.setattr(reports, "render_report", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_report(tmp_path / "report.html", tags, summary, THEMES, "t")
    assert list(tmp_path.iterdir()) == []


def test_roll_ups_count_letters_and_sentences_by_council_and_year(tags, summary):
    soup = soup_of(tags, summary)

    def table(table_id: str) -> list[list[str]]:
        rows = soup.select(f"#{table_id} tbody tr")
        return [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]

    # council, letters, sentences, then per theme: tagged sentences, their share of the row's
    # sentences (so that councils of many letters and of few compare), (letters with any)
    assert table("years") == [
        ["2019", "1", "3", "2 66.7% (1)", "1 33.3% (1)"],
        ["2020", "1", "2", "0 0.0% (0)", "0 0.0% (0)"],
        ["2021", "1", "0", "0 0.0% (0)", "0 0.0% (0)"],
    ]
    assert [row[0] for row in table("councils-table")] == ["Ashshire", "Beeton", "Ceeford"]
    link = soup.select_one("#councils-table tbody tr td.share a.count")
    assert link["href"] == "#findings?council=Ashshire&theme=cse"


def test_a_letters_share_prints_as_the_roll_up_of_it_alone_prints(metadata):
    """1 sentence of 29 is 3.448%: the summary's share, 0.0345 to four places, printed 3.5%
    in the letters table while the year and council tables printed 3.4%."""
    rows = [sentence("A.pdf", 1, "Children at risk of sexual exploitation.", 1, 0, "cse: x")]
    rows += [sentence("A.pdf", n, f"Sentence {n}.") for n in range(2, 30)]
    tags = pd.DataFrame(rows)
    soup = soup_of(tags, summarise(tags, metadata[metadata.document == "A.pdf"], THEME_IDS))
    letters = soup.select_one("#letters-table tbody tr td.share").get_text(" ", strip=True)
    years = soup.select_one("#years tbody tr td.share").get_text(" ", strip=True)
    assert letters == "1 3.4%" and years.startswith("1 3.4%")


def test_the_council_and_year_roll_up_counts_each_councils_letters_year_by_year(tags, metadata):
    """Which councils' letters raise a theme, by year, took rolling letters.csv up by hand."""
    metadata.loc[2, "council"] = "Ashshire"  # C.pdf: Ashshire's second letter, of 2021
    soup = soup_of(tags, summarise(tags, metadata, THEME_IDS))
    rows = soup.select("#council-years-table tbody tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    assert cells == [  # the council of most letters first, its years in order
        ["Ashshire 2019", "1", "3", "2 66.7% (1)", "1 33.3% (1)"],
        ["Ashshire 2021", "1", "0", "0 0.0% (0)", "0 0.0% (0)"],
        ["Beeton 2020", "1", "2", "0 0.0% (0)", "0 0.0% (0)"],
    ]
    link = rows[0].select_one("td.share a.count")["href"]
    assert link == "#findings?council=Ashshire&year=2019&theme=cse"  # the cross-letter view
    assert soup.select_one('nav.jump a[href="#council-years"]') is not None


def test_a_letter_without_a_council_or_year_rolls_up_as_unknown(tags, summary):
    blank = summary.copy()
    blank.loc[0, ["council", "visit_date"]] = ["", ""]
    soup = soup_of(tags, blank)
    assert soup.select("#years tbody tr td:first-child")[-1].get_text() == "unknown"
    assert soup.select("#councils-table tbody tr td:first-child")[-1].get_text() == "unknown"


def test_findings_list_every_tagged_sentence_with_what_filters_match(tags, summary):
    soup = soup_of(tags, summary)
    rows = soup.select("#findings-table tbody tr")
    assert len(rows) == int(((tags["cse"] + tags["staffing"]) > 0).sum()) == 2
    first, second = rows
    assert first["data-themes"] == "cse" and second["data-themes"] == "cse staffing"
    assert first["data-council"] == "Ashshire" and first["data-year"] == "2019"
    letter = soup.select_one("article.letter")["id"]
    assert first["data-letter"] == letter and first.select_one("a")["href"] == f"#{letter}"
    assert second.select_one(".c-evidence").get_text() == "cse: county lines; staffing: caseloads"
    assert [h["data-score"] for h in second.select(".hit")] == ["0.90", "0.80"]
    # The summary's counts link to the letter's sentences of that theme.
    counts = [a["href"] for a in soup.select("#letters-table a.count")]
    assert counts == [
        f"#findings?letter={letter}&theme=cse",
        f"#findings?letter={letter}&theme=staffing",
    ]


def test_letters_are_named_without_the_folders_they_share_with_the_full_name_on_hover(
    tags, metadata
):
    folder = "/home/analyst/ofsted/letters/"
    tags = tags.assign(document=folder + tags["document"])
    metadata = metadata.assign(document=folder + metadata["document"])
    soup = soup_of(tags, summarise(tags, metadata, THEME_IDS))
    for cell in soup.select("#letters-table td.c-letter a, #findings-table td.c-letter a"):
        assert cell.get_text() in {"A.pdf", "B.pdf", "C.pdf"}  # before: the whole path
        assert cell["title"] == folder + cell.get_text()
    assert [h.get_text() for h in soup.select("article.letter h3")] == ["A.pdf", "B.pdf", "C.pdf"]


def test_a_report_left_among_the_letters_is_not_read_as_a_letter(tags, summary):
    from ofsted_themes.reading.document import DocumentError
    from ofsted_themes.reading.formats.html import OWN_REPORT, read_html

    with pytest.raises(DocumentError, match=OWN_REPORT):
        read_html(render_report(tags, summary, THEMES, "t").encode())


def test_the_page_says_which_model_and_thresholds_made_it(tags, summary):
    made = {
        "model": "models/tagger.skops",
        "fingerprint": "0123abcd",
        "data": "seeds+letters",
        "thresholds": {"cse": 0.47, "staffing": 0.429843},
    }
    html = render_report(tags, summary, THEMES, "t", made)
    line = BeautifulSoup(html, "html.parser").select_one("header .made").get_text()
    assert "models/tagger.skops (fingerprint 0123abcd)" in line
    assert "trained on seeds+letters" in line
    # to four places, as the tag table's scores (0.43 said one thing, the tags another)
    assert "Child sexual exploitation 0.47" in line and "Workforce and staffing 0.4298" in line
    # No clock in the bytes: the same inputs give the same page, and nothing of today is in it
    # (a rendering time would break both reproducible outputs and the comparison of two runs).
    assert render_report(tags, summary, THEMES, "t", made) == html
    now = datetime.now()
    for stamp in (now.date().isoformat(), now.strftime("%d %B %Y"), now.strftime("%-d %B %Y")):
        assert stamp not in html
    assert soup_of(tags, summary).select_one("header .made") is None  # none given, none shown
    # a threshold set by --threshold is marked, and the model's figure said to be at its own
    scored = made | {"cv_macro_f1": 0.9}
    assert "at its own thresholds" not in render_report(tags, summary, THEMES, "t", scored)
    changed = render_report(tags, summary, THEMES, "t", scored | {"overridden": ["staffing"]})
    line = BeautifulSoup(changed, "html.parser").select_one("header .made").get_text()
    assert "Workforce and staffing 0.4298 (set by --threshold)" in line
    assert "Child sexual exploitation 0.47 (set" not in line
    assert "macro-F1 0.900 in grouped cross-validation on its training data at its own" in line


# --- HTML report: escaping, CSS, template -----------------------------------------------------

# Markup, an attribute break-out, an early end of the page's script, and template syntax.
EVIL = "<script>alert(1)</script> \"'><img src=x onerror=alert(3)> </script> {{ 7*7 }}"


def static_text(name: str) -> str:
    return (resources.files("ofsted_themes.reporting") / "static" / name).read_text("utf-8")


def test_hostile_text_everywhere_stays_text(tags, summary):
    evil_name = f"dir/{EVIL}.pdf"
    evil_tags = tags.replace({"document": {"A.pdf": evil_name}})
    evil_tags.loc[0, "text"] = EVIL
    evil_tags.loc[0, "evidence"] = f"cse: {EVIL}"
    evil_summary = summary.replace({"document": {"A.pdf": evil_name}})
    evil_summary.loc[0, "council"] = EVIL
    html = render_report(evil_tags, evil_summary, THEMES, EVIL)
    soup = BeautifulSoup(html, "html.parser")

    # Nothing became markup: no element, no attribute, no early end of the page's script.
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert html.count("</script>") == 1
    assert [s.get_text().strip() for s in soup.find_all("script")] == [
        static_text("report.js").strip()
    ]
    assert soup.find("img") is None
    assert [
        (tag.name, name)
        for tag in soup.find_all(True)
        for name in tag.attrs
        if name.startswith("on")
    ] == []
    style = soup.style.get_text()
    assert "<" not in style
    assert "alert" not in style

    # ... and everywhere it shows, it reads as the text it was.
    assert soup.title.get_text() == EVIL
    assert soup.h1.get_text() == EVIL
    letter = soup.select_one("article.letter")
    assert letter.h3.get_text() == evil_name
    assert letter.select_one("dl.meta dd").get_text() == EVIL
    assert EVIL in sentence_divs(soup)
    assert letter.select_one(".s.tagged .ev").get_text() == f"Evidence: cse: {EVIL}"
    cells = soup.select("#letters-table tbody tr")[0].find_all("td")
    assert cells[0]["data-v"] == cells[0].get_text() == evil_name
    assert cells[1]["data-v"] == cells[1].get_text() == EVIL
    assert cells[0].a["href"] == "#" + letter["id"]
    rollup = soup.select_one("#councils-table tbody td a")
    assert rollup.get_text() == EVIL  # the council, as text, in the roll-up and its link
    assert rollup["href"] == "#findings?" + urlencode({"council": EVIL})
    finding = soup.select_one("#findings-table tbody tr")
    assert finding["data-council"] == EVIL
    assert finding.select_one(".c-text").get_text() == EVIL


def test_unsafe_theme_colour_and_id_never_reach_the_css(tags, summary):
    themes = [
        Theme("cse", "Child sexual exploitation", colour="red;}</style><script>alert(1)</script>"),
        Theme("staffing", "Workforce and staffing", colour=" #2ca02c "),
        Theme("odd id}</style>", "Odd <b>name</b>", colour="url(http://example.com/x)"),
    ]
    html = render_report(tags, summary, themes, "t")
    soup = BeautifulSoup(html, "html.parser")
    assert "red;}" not in html
    assert "example.com" not in html
    assert html.count("<style>") == html.count("</style>") == 1
    assert len(soup.find_all("script")) == 1
    style = soup.style.get_text()
    assert ".sw.t-cse{background:#777777}" in style
    assert "--t-cse:#777777;" in style
    assert ".sw.t-staffing{background:#2ca02c}" in style
    assert ".sw.t-odd_id___style_{background:#777777}" in style
    assert "</" not in style
    fills = {rect["fill"] for rect in soup.select("svg.chart rect")}
    assert fills == {"#777777", "#2ca02c"}
    assert soup.select("td.share")[0]["style"] == "--fill:100%;--colour:#777777"
    assert soup.select(".toggles label")[2].get_text() == "Odd <b>name</b>"
    assert soup.select(".toggles input")[2]["data-theme"] == "t-odd_id___style_"
    assert soup.find("b", string="name") is None


def test_template_and_static_files_come_from_the_package(tmp_path, monkeypatch, tags, summary):
    monkeypatch.chdir(tmp_path)
    reports.environment.cache_clear()  # a fresh loader, not one that found its files before
    soup = BeautifulSoup(render_report(tags, summary, THEMES, "t"), "html.parser")
    assert static_text("report.css") in soup.style.get_text()
    assert soup.script.get_text().strip() == static_text("report.js").strip()
    # One self-contained file: nothing is fetched from elsewhere.
    assert soup.find_all(["link", "img", "iframe", "object", "embed"]) == []
    assert [tag.name for tag in soup.find_all(True) if tag.get("src")] == []
    assert "url(" not in soup.style.get_text()
    assert "@import" not in soup.style.get_text()
    assert list(tmp_path.iterdir()) == []


def test_the_environment_escapes_and_is_strict():
    env = reports.environment()
    assert env.from_string("{{ x }}").render(x="<b a='1'>&") == "&lt;b a=&#39;1&#39;&gt;&amp;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("report.html.j2").render(title="t")


def test_chart_bars_stand_on_the_axis_in_proportion(tags, summary):
    soup = soup_of(tags, summary)
    axis = float(soup.select("svg.chart line.axis")[0]["y1"])
    bars = soup.select("svg.chart rect.bar")
    bottoms = {float(b["y"]) + float(b["height"]) for b in bars}
    assert bottoms == {axis}
    assert [float(b["height"]) for b in bars] == [220.0, 110.0]  # A: cse 2, staffing 1
    ticks = [t.get_text() for t in soup.select("svg.chart text.tick")]
    assert ticks == ["0", "1", "2"]
    assert [tick_step(n) for n in (1, 5, 7, 23, 60, 480)] == [1, 1, 2, 5, 20, 100]
    assert soup_of(tags.iloc[:0], summary.iloc[:0]).select_one("#chart .empty") is not None


def test_counts_of_one_are_singular(tags, summary):
    """One sentence is "1 sentence": in the page's figures and each chart bar's title."""
    one = tags[tags["document"] == "A.pdf"].head(1)
    soup = BeautifulSoup(render_report(one, summary.head(1), THEMES, "r"), "html.parser")
    assert soup.find("p", class_="stats").get_text().startswith("1 letter · 1 sentence · ")
    titles = [t.get_text() for t in soup.select("svg.chart title")]
    assert any(": 1 sentence (" in t for t in titles)
    assert not any(": 1 sentences" in t for t in titles)
    many = BeautifulSoup(render_report(tags, summary, THEMES, "r"), "html.parser")
    assert many.find("p", class_="stats").get_text().startswith("3 letters · 5 sentences · ")


def test_a_long_list_is_named_by_its_first_five_and_how_many_more():
    from ofsted_themes.core.words import some_of

    assert some_of(["a = b"]) == "a = b"
    assert some_of([str(n) for n in range(7)]) == "0; 1; 2; 3; 4; and 2 more"
