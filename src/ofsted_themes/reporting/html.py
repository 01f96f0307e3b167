"""The HTML report: one self-contained page a person can read, from the two tables of a batch:
``tags`` (one row per sentence: document, sentence_no, page, text, a 0/1 column and a
``<id>_score`` per theme, evidence) and ``summary`` (one row per letter).

The page serves an analyst of hundreds of letters: themes by year (a chart), roll-ups by council
and by year, every tagged sentence across letters with a theme and text filter and a CSV export,
one row per letter, then the letters themselves. Every count links to its sentences: a link
``#findings?theme=cse&council=Leeds`` opens the cross-letter view filtered to them.

This module prepares what the page shows as plain dicts and lists; the markup is the Jinja2
template ``templates/report.html.j2`` (with its partials), and the style and script are the
package files ``static/report.css`` and ``static/report.js``, inlined so the page stands alone.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import pandas as pd
from markupsafe import Markup

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.tables import read_table
from ofsted_themes.core.themes import Theme
from ofsted_themes.core.words import counted, some_of
from ofsted_themes.modelling.concerns import THRESHOLD as CONCERN_THRESHOLD
from ofsted_themes.reading.formats.html import REPORT_GENERATOR
from ofsted_themes.reporting.chart import chart
from ofsted_themes.tagging.batch import LETTER_WARNINGS, letter_warnings
from ofsted_themes.tagging.summary import visit_year

PACKAGE = "ofsted_themes.reporting"

# A theme colour goes into CSS, so only plain colour syntax is let through.
SAFE_COLOUR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,24}|(?:rgb|hsl)a?\([0-9.,%\s/]+\)"
)
FALLBACK_COLOUR = "#777777"

# The letter metadata shown in the summary table, and above each letter: column, label.
SUMMARY_FIELDS = [
    ("council", "Council"),
    ("visit_type", "Visit"),
    ("visit_date", "Date"),
    ("judgement", "Judgement"),
]
LETTER_FIELDS = [
    ("council", "Council"),
    ("visit_type", "Visit"),
    ("visit_dates", "Visit dates"),
    ("judgement", "Judgement"),
]
UNKNOWN = "unknown"  # a letter whose council or year its text did not give

# Each theme owns a stripe this many pixels apart in a sentence's left margin (one pixel of gap),
# so a sentence with several themes shows every one of them.
STRIPE = 6


def theme_class(theme_id: str) -> str:
    """The CSS class of a theme: ``t-`` plus the id with anything outside [A-Za-z0-9_-] replaced."""
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(theme_id))


def safe_colour(colour: str) -> str:
    """The theme colour if it is plain CSS colour syntax, else a grey (it is pasted into CSS)."""
    colour = str(colour).strip()
    return colour if SAFE_COLOUR.fullmatch(colour) else FALLBACK_COLOUR


# ---------------------------------------------------------------------------------------------
# Rendering and writing


def render_report(
    tags: pd.DataFrame,
    summary: pd.DataFrame,
    themes: list[Theme],
    title: str,
    provenance: dict | None = None,
) -> str:
    """One self-contained HTML page: chart, summary table, every letter with tagged sentences.

    Everything from the tables reaches the page through the template's autoescaping; nothing
    from them enters the CSS or the script (only theme classes and checked colours do).
    """
    data = report_data(tags, summary, themes, title, provenance)
    template = environment().get_template("report.html.j2")
    return template.render(
        data,
        css=static_file("report.css"),
        script=static_file("report.js"),
        generator=REPORT_GENERATOR,  # how a letter reader knows the page for one of ours
    )


def write_report(
    path: Path | str,
    tags: pd.DataFrame,
    summary: pd.DataFrame,
    themes: list[Theme],
    title: str,
    provenance: dict | None = None,
) -> Path:
    """Render the report and write it atomically."""
    page = render_report(tags, summary, themes, title, provenance)
    return write_atomic(path, lambda f: f.write(page))


def write_batch_report(
    path: Path | str,
    tags_table: Path,
    summary: pd.DataFrame,
    themes: list[Theme],
    provenance: dict | None = None,
) -> Path:
    """The report of a finished batch: every letter (resumed ones too), read back from its
    sentence table; ``provenance`` says what made it (model, its training, thresholds)."""
    tags = read_table(tags_table)
    return write_report(path, tags, summary, themes, "Themes in Ofsted letters", provenance)


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment: loaded from the package (so an installed wheel works from any
    folder), every value HTML-escaped, and a misspelt variable an error rather than a blank."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["percent"] = "{:.1%}".format
    env.filters["counted"] = counted
    return env


def static_file(name: str) -> Markup:
    """A file of ``static/``, to be inlined verbatim into its <style> or <script> element.

    It is the package's own code, not data, so it is marked safe: HTML-escaping would break
    it (quotes in CSS strings, for one). It must not end its element early.
    """
    text = (files(PACKAGE) / "static" / name).read_text(encoding="utf-8")
    if re.search(r"</(?:style|script)", text, re.IGNORECASE):
        raise ValueError(f"static/{name} would end its inline element early")
    return Markup(text)


# ---------------------------------------------------------------------------------------------
# The page's data


def report_data(
    tags: pd.DataFrame,
    summary: pd.DataFrame,
    themes: list[Theme],
    title: str,
    provenance: dict | None = None,
) -> dict:
    """Everything the template shows, as plain values: raw text (the template escapes it),
    numbers, link targets, and the geometry of the chart."""
    documents = _documents(tags, summary)
    anchors = _anchors(documents)
    labels = short_names(documents)
    rows = {r["document"]: r for r in summary.to_dict("records")}
    views = theme_views(themes)
    counts = {
        d: [int(_number(rows.get(d, {}).get(f"{t.id}_count"))) for t in themes] for d in documents
    }
    # per letter and theme, its sentences raising a concern: where the tagger says (else None)
    raised = None
    if any(f"{t.id}_concerns" in summary.columns for t in themes):
        raised = {
            d: [int(_number(rows.get(d, {}).get(f"{t.id}_concerns"))) for t in themes]
            for d in documents
        }
    sizes = {d: int(_number(rows.get(d, {}).get("sentences"))) for d in documents}
    # from the counts, as the roll-ups make theirs: the summary's shares, rounded to four places,
    # printed 3.5% for 1 sentence of 29 where a roll-up of that letter alone printed 3.4%
    shares = {d: [c / sizes[d] if sizes[d] else 0.0 for c in counts[d]] for d in documents}
    keys = {d: letter_keys(rows.get(d, {})) for d in documents}
    by_year = rollup(documents, keys, "year", counts, sizes, views, raised)
    by_document = dict(iter(tags.groupby("document", sort=False))) if len(tags) else {}
    shown_in_full = in_full(documents, {d: len(by_document.get(d, ())) for d in documents})
    return {
        "title": title,
        "provenance": provenance_lines(provenance, views),
        "stats": {
            "letters": len(documents),
            "sentences": len(tags),
            "tagged": int(_any_theme(tags, [t.id for t in themes]).sum()) if len(tags) else 0,
        },
        "themes": views,
        "stripes_end": STRIPE * len(themes),
        "fields": [label for _, label in SUMMARY_FIELDS],
        "chart": chart(
            [r["key"] for r in by_year],
            {r["key"]: r["href"] for r in by_year},
            views,
            {r["key"]: [c["count"] for c in r["cells"]] for r in by_year},
            {r["key"]: [c["share"] for c in r["cells"]] for r in by_year},
        ),
        "concerns": raised is not None,
        "by_council": rollup(documents, keys, "council", counts, sizes, views, raised),
        "by_council_year": rollup(
            documents, keys, ("council", "year"), counts, sizes, views, raised
        ),
        "by_year": by_year,
        "findings": labelled(findings(tags, documents, anchors, keys, views), labels),
        "summary": labelled(
            _summary_rows(documents, rows, anchors, views, counts, shares, raised), labels
        ),
        "letters": labelled(
            [
                _letter(
                    d,
                    anchors[d],
                    rows.get(d, {}),
                    by_document.get(d) if d in shown_in_full else None,
                    views,
                    counts[d],
                    None if raised is None else raised[d],
                )
                | {"left_out": d not in shown_in_full}
                for d in documents
            ],
            labels,
        ),
        "full_text_sentences": FULL_TEXT_SENTENCES,
        "left_out": len(documents) - len(shown_in_full),
    }


# Sentences of the letters shown in full, at most: a page of every sentence of a large run (190,000
# sentences: 285 MB, 2.8 GB to write) opens in no browser; the counts, the sentences by theme
# and the letters table still cover every letter.
FULL_TEXT_SENTENCES = 30_000


def in_full(documents: list[str], sizes: dict[str, int]) -> set[str]:
    """The letters shown in full: in order, each that keeps the sentences shown within the
    budget (a long table-letter first leaves room for the letters after it; a letter of no
    sentence has no text to leave out)."""
    shown, total = set(), 0
    for document in documents:
        if total + sizes[document] <= FULL_TEXT_SENTENCES:
            shown.add(document)
            total += sizes[document]
    return shown


def short_names(documents: list[str]) -> dict[str, str]:
    """Each letter's name without the folders all the letters share (``/home/me/inbox/a.pdf``
    and ``/home/me/inbox/b.pdf`` show as ``a.pdf`` and ``b.pdf``): the full name stays in the
    tables, and the report gives it on hover."""
    # the folders of each file (a table's letter is "<file>::<name>": not those of its name)
    folders = [str(d).partition("::")[0].split("/")[:-1] for d in documents]
    shared = 0
    while folders and all(len(f) > shared and f[shared] == folders[0][shared] for f in folders):
        shared += 1
    cut = len("/".join(folders[0][:shared])) + 1 if shared else 0
    return {d: str(d)[cut:] for d in documents}


def labelled(rows: list[dict], labels: dict[str, str]) -> list[dict]:
    """``rows`` (each naming its ``document``) with the letter's short name as ``label``."""
    return [row | {"label": labels[row["document"]]} for row in rows]


def letter_keys(row: dict) -> dict[str, str]:
    """The council and year a letter rolls up under ("unknown" where its metadata is blank)."""
    council = _display(row.get("council")).strip() or UNKNOWN
    return {"council": council, "year": visit_year(row.get("visit_date")) or UNKNOWN}


def findings_href(**scope: str) -> str:
    """A link to the cross-letter view, filtered to ``scope`` (theme, letter, council, year)."""
    return "#findings?" + urlencode(scope) if scope else "#findings"


def rollup(
    documents: list[str],
    keys: dict[str, dict[str, str]],
    by: str | tuple[str, ...],
    counts: dict[str, list[int]],
    sizes: dict[str, int],
    views: list[dict],
    raised: dict[str, list[int]] | None = None,
) -> list[dict]:
    """Letters grouped by council, by year, or by both (``("council", "year")``): letters,
    sentences, and per theme the tagged sentences, those raising a concern (``raised``, where
    the tagger says) and the letters with any, each count linking to its sentences. Councils
    with most letters first, years in order; "unknown" last."""
    fields = (by,) if isinstance(by, str) else by
    groups: dict[tuple[str, ...], list[str]] = {}
    for document in documents:
        groups.setdefault(tuple(keys[document][f] for f in fields), []).append(document)
    letters_of = {  # a council's letters, over its years too: councils with most come first
        f: Counter(keys[d][f] for d in documents) for f in fields if f != "year"
    }

    def place(key: tuple[str, ...]) -> tuple:
        return tuple(
            (k == UNKNOWN, k) if f == "year" else (k == UNKNOWN, -letters_of[f][k], k.lower())
            for f, k in zip(fields, key, strict=True)
        )

    out = []
    for key in sorted(groups, key=place):
        members, scope = groups[key], dict(zip(fields, key, strict=True))
        sentences = sum(sizes[d] for d in members)
        cells = []
        for j, view in enumerate(views):
            count = sum(counts[d][j] for d in members)
            cell = {
                "count": count,
                "letters": sum(1 for d in members if counts[d][j]),
                "share": count / sentences if sentences else 0.0,
                "href": findings_href(**scope, theme=view["id"]),
                "colour": view["colour"],
            }
            mine = None if raised is None else sum(raised[d][j] for d in members)
            cells.append(cell | _concerns_cell(mine, **scope, theme=view["id"]))
        out.append(
            {
                "key": " ".join(key),
                "letters": len(members),
                "sentences": sentences,
                "href": findings_href(**scope),
                "cells": cells,
            }
        )
    # A cell's bar: its share as a percentage of the theme's highest, as in the summary.
    for j in range(len(views)):
        top = max((row["cells"][j]["share"] for row in out), default=0) or 1
        for row in out:
            row["cells"][j]["fill"] = round(100 * row["cells"][j]["share"] / top)
    return out


def findings(
    tags: pd.DataFrame,
    documents: list[str],
    anchors: dict[str, str],
    keys: dict[str, dict[str, str]],
    views: list[dict],
) -> list[dict]:
    """Every tagged sentence across letters, letter by letter in page order, with what the
    filters of the cross-letter view match on."""
    if not len(tags):
        return []
    tagged = tags[_any_theme(tags, [v["id"] for v in views]).astype(bool)]
    order = [c for c in ("page", "sentence_no") if c in tagged.columns]
    position = {d: i for i, d in enumerate(documents)}
    tagged = tagged.assign(_at=tagged["document"].map(position))
    tagged = tagged.sort_values(["_at", *order], kind="stable")
    out = []
    for record in tagged.to_dict("records"):
        document = record["document"]
        hits = _hits(record, views)
        out.append(
            {
                "document": document,
                "anchor": anchors.get(document, ""),
                **keys.get(document, {"council": UNKNOWN, "year": UNKNOWN}),
                "page": _display(record.get("page")),
                "no": _display(record.get("sentence_no")),
                "text": _display(record.get("text")),
                "evidence": _display(record.get("evidence")),
                "hits": hits,
                "themes": " ".join(hit["id"] for hit in hits),
                "concern": _concern(record),
            }
        )
    return out


def provenance_lines(provenance: dict | None, views: list[dict]) -> list[str]:
    """What made the tags, for the page: model, its training and thresholds. The date is the
    page file's own, shown by its script: the same tags give the same bytes (the pipeline's
    outputs are reproducible), and the date is still when the page was written."""
    if not provenance:
        return []
    ids = [
        f"version {provenance['version']}" if provenance.get("version") else "",
        f"MLflow tagger_digest {provenance['digest']}" if provenance.get("digest") else "",
        f"fingerprint {provenance['fingerprint']}" if provenance.get("fingerprint") else "",
    ]
    lines = [f"Model {provenance.get('model', 'unknown')}"]
    if any(ids):
        lines[0] += f" ({', '.join(i for i in ids if i)})"
    if provenance.get("data"):
        lines.append(f"trained on {provenance['data']}")
    overridden = set(provenance.get("overridden") or [])
    if provenance.get("cv_macro_f1") is not None:
        own = " at its own thresholds, not those set here" if overridden else ""
        lines.append(
            f"macro-F1 {provenance['cv_macro_f1']:.3f} in grouped cross-validation on its "
            f"training data{own} (the README gives its figure on held-out letters)"
        )
    if provenance.get("cv_concern_macro_f1") is not None:
        lines.append(
            f"its concerns per theme (tagged, and a concern): macro-F1 "
            f"{provenance['cv_concern_macro_f1']:.3f} likewise; most errors are concerns missed, "
            "so read a letter before taking a theme's 0 concerns at its word"
        )
    thresholds = provenance.get("thresholds") or {}
    named = [
        f"{v['name']} {round(float(thresholds[v['id']]), 4):g}"  # to four places, as scores
        + (" (set by --threshold)" if v["id"] in overridden else "")
        for v in views
        if v["id"] in thresholds
    ]
    if named:
        lines.append("thresholds " + ", ".join(named))
    if provenance.get("interrupted"):
        lines.append(
            "this run was interrupted: its letters are those tagged before it, not every letter "
            "given (run the same command with --resume to tag the rest)"
        )
    if provenance.get("failed"):
        where = provenance.get("failures", "failures.csv")
        lines.append(f"{counted(provenance['failed'], 'file')} could not be read: see {where}")
    # letters counted as a reader may not expect (no sentence, under "unknown"): they must know
    lines += letter_warnings({kind: provenance.get(kind) or [] for kind in LETTER_WARNINGS})
    if provenance.get("absent"):  # a resumed run's letters whose files it was not given
        names = provenance["absent"]
        lines.append(
            f"{counted(len(names), 'letter')} kept from earlier runs and counted, whose files "
            f"the last run was not given (moved, deleted, or no longer in their table?): "
            f"{some_of(names)}"
        )
    if provenance.get("duplicates"):  # counted twice in every table: the reader must know
        pairs = [f"{a} = {b}" for a, b in provenance["duplicates"]]
        lines.append(
            f"{counted(len(pairs), 'letter')} with the very same sentences as another, each "
            f"counted (one letter in two files?): {some_of(pairs)}"
        )
    return lines


def theme_views(themes: list[Theme]) -> list[dict]:
    """What the page needs of each theme: name, CSS class, checked colour, and where its stripe
    sits in a sentence's margin."""
    return [
        {
            "id": t.id,
            "name": t.name,
            "cls": theme_class(t.id),
            "colour": safe_colour(t.colour),
            "stripe_start": STRIPE * i,
            "stripe_end": STRIPE * i + STRIPE - 1,
        }
        for i, t in enumerate(themes)
    ]


def _display(value: object) -> str:
    """Display text of a table cell (not escaped: the template does that); missing values show
    as nothing, dates as the day."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


def _anchors(documents: Iterable[str]) -> dict[str, str]:
    """A unique, URL-safe anchor per letter: position plus a readable slug."""
    anchors = {}
    for i, document in enumerate(documents, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", str(document).lower()).strip("-")[:40]
        anchors[document] = f"letter-{i}-{slug}".rstrip("-")
    return anchors


def _documents(tags: pd.DataFrame, summary: pd.DataFrame) -> list[str]:
    """Letters in summary order, then any that only appear in the tags."""
    documents = list(dict.fromkeys(summary["document"])) if len(summary) else []
    seen = set(documents)
    extra = dict.fromkeys(d for d in tags["document"] if d not in seen) if len(tags) else {}
    return documents + list(extra)


def _hits(record: dict, views: list[dict]) -> list[dict]:
    """The themes a sentence is tagged with, each with its score."""
    return [
        {
            "id": view["id"],
            "cls": view["cls"],
            "name": view["name"],
            "score": _number(record.get(f"{view['id']}_score")),
        }
        for view in views
        if _number(record.get(view["id"])) > 0
    ]


def _concern(record: dict) -> str:
    """ "1" for a sentence raising a concern, "0" for one that does not, "" where the tagger does
    not say."""
    value = record.get("concern")
    if value is None or pd.isna(value) or str(value).strip() == "":
        return ""
    return "1" if _number(value) == 1 else "0"


def _any_theme(tags: pd.DataFrame, theme_ids: list[str]) -> pd.Series:
    columns = [t for t in theme_ids if t in tags.columns]
    if not columns:
        return pd.Series(0, index=tags.index)
    return (tags[columns].fillna(0).astype(float) > 0).any(axis=1).astype(int)


def _summary_rows(
    documents: list[str],
    rows: dict,
    anchors: dict[str, str],
    views: list[dict],
    counts: dict[str, list[int]],
    shares: dict[str, list[float]],
    raised: dict[str, list[int]] | None = None,
) -> list[dict]:
    """The summary, one row per letter; a theme cell's bar is its share as a percentage of the
    theme's highest share, so the letters most about a theme stand out; ``raised``: per letter
    and theme, its concerns (None where the tagger does not say)."""
    top = [max([shares[d][j] for d in documents] or [0]) or 1 for j in range(len(views))]
    return [
        {
            "document": d,
            "anchor": anchors[d],
            "fields": [_field(rows.get(d, {}), field) for field, _ in SUMMARY_FIELDS],
            "sentences": int(_number(rows.get(d, {}).get("sentences"))),
            "shares": [
                {
                    "colour": view["colour"],
                    "count": count,
                    "share": share,
                    "fill": round(100 * share / top[j]),
                    "href": findings_href(letter=anchors[d], theme=view["id"]),
                    **_concerns_cell(
                        None if raised is None else raised[d][j],
                        letter=anchors[d],
                        theme=view["id"],
                    ),
                }
                for j, (view, count, share) in enumerate(
                    zip(views, counts[d], shares[d], strict=True)
                )
            ],
        }
        for d in documents
    ]


def _concerns_cell(concerns: int | None, **scope: str) -> dict:
    """A theme cell's concerns and the link to them (none where the tagger does not say)."""
    if concerns is None:
        return {}
    return {"concerns": concerns, "concerns_href": findings_href(**scope, concern="1")}


def _field(row: dict, field: str) -> str:
    """A letter's metadata as the summary table shows it: its council "unknown" where its text
    did not give one, as the roll-ups and the sentence lists name it."""
    shown = _display(row.get(field))
    if field == "council" and not shown.strip():
        return UNKNOWN
    return shown


def _letter(
    document: str,
    anchor: str,
    row: dict,
    sentences: pd.DataFrame | None,
    views: list[dict],
    counts: list[int],
    concerns: list[int] | None = None,
) -> dict:
    """A letter: its metadata and counts (with their concerns, where the tagger says), then
    its sentences in page order."""
    return {
        "document": document,
        "anchor": anchor,
        "meta": [
            {"label": label, "value": _display(row.get(field)) or "—"}
            for field, label in LETTER_FIELDS
        ],
        "chips": [
            {"cls": view["cls"], "name": view["name"], "count": count}
            | ({} if concerns is None else {"concerns": concerns[j]})
            for j, (view, count) in enumerate(zip(views, counts, strict=True))
        ],
        "sentences": _sentences(sentences, views),
    }


def _sentences(sentences: pd.DataFrame | None, views: list[dict]) -> list[dict]:
    """Sentences by page then number; ``new_page`` is set on the first of each page (for its
    marker), ``hits`` lists the themes it is tagged with, score first for the hover card, and
    ``concern`` says whether a tagged one raises a concern ("" where the tagger does not say)."""
    if sentences is None or not len(sentences):
        return []
    order = [c for c in ("page", "sentence_no") if c in sentences.columns]
    sentences = sentences.sort_values(order, kind="stable") if order else sentences
    out, current = [], None
    for record in sentences.to_dict("records"):
        new_page = None
        if "page" in record and record["page"] != current:
            current = record["page"]
            new_page = _display(current)
        hits = _hits(record, views)
        marks = ["tagged", f"n{min(len(hits), 4)}"] if hits else []
        concern = _concern(record) if hits else ""
        out.append(
            {
                "new_page": new_page,
                "classes": " ".join(
                    ["s", *marks, *(hit["cls"] for hit in hits), *(["raised"] * (concern == "1"))]
                ),
                "no": _display(record.get("sentence_no")),
                "text": _display(record.get("text")),
                "hits": hits,
                "concern": concern,
                "concern_score": (score := _number(record.get("concern_score"))),
                # raised whatever its score: an item of the letter's list of what needs to improve
                "listed": concern == "1" and score < CONCERN_THRESHOLD,
                "evidence": _display(record.get("evidence")),
            }
        )
    return out
