"""The HTML report: one self-contained page a person can read, from the two tables of a batch:
``tags`` (one row per sentence: document, sentence_no, page, text, a 0/1 column and a
``<id>_score`` per theme, evidence) and ``summary`` (one row per letter)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path

import pandas as pd

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.tables import read_table
from ofsted_themes.core.themes import Theme

# A theme colour goes into CSS, so only plain colour syntax is let through.
SAFE_COLOUR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,24}|(?:rgb|hsl)a?\([0-9.,%\s/]+\)"
)
FALLBACK_COLOUR = "#777777"


# ---------------------------------------------------------------------------------------------
# HTML report: helpers


def theme_class(theme_id: str) -> str:
    """The CSS class of a theme: ``t-`` plus the id with anything outside [A-Za-z0-9_-] replaced."""
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(theme_id))


def safe_colour(colour: str) -> str:
    """The theme colour if it is plain CSS colour syntax, else a grey (it is pasted into CSS)."""
    colour = str(colour).strip()
    return colour if SAFE_COLOUR.fullmatch(colour) else FALLBACK_COLOUR


def _text(value: object) -> str:
    """Escaped display text of a table cell; missing values show as nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    return escape(str(value), quote=True)


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


# ---------------------------------------------------------------------------------------------
# HTML report: page


def render_report(
    tags: pd.DataFrame, summary: pd.DataFrame, themes: list[Theme], title: str
) -> str:
    """One self-contained HTML page: chart, summary table, every letter with tagged sentences.

    Everything from the tables is escaped; nothing from them enters the CSS or the script.
    """
    documents = _documents(tags, summary)
    anchors = _anchors(documents)
    rows = {r["document"]: r for r in summary.to_dict("records")}
    tagged = int(_any_theme(tags, themes).sum()) if len(tags) else 0
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{_css(themes)}</style></head><body>",
        "<header class='top'><div class='bar-inner'>",
        f"<h1>{escape(title)}</h1><p class='stats'>{len(documents)} letters · {len(tags)} "
        f"sentences · {tagged} tagged with at least one theme</p>",
        _toggles(themes),
        "</div></header><main>",
        "<section id='chart'><h2>Tagged sentences per letter</h2>",
        "<p class='hint'>Bars count the sentences tagged with each theme; click one to read "
        "the letter.</p>",
        f"<div class='scroll'>{_chart(documents, rows, anchors, themes)}</div></section>",
        "<section id='summary'><h2>Summary</h2>",
        "<p class='hint'>Click a column heading to sort.</p>",
        f"<div class='scroll'>{_summary_table(documents, rows, anchors, themes)}</div></section>",
        "<section id='letters'><h2>Letters</h2>",
        "<p class='hint'>Tagged sentences are tinted and marked in the margin, one column per "
        "theme; hover over one for its scores and the words behind each tag.</p>",
    ]
    by_document = dict(iter(tags.groupby("document", sort=False))) if len(tags) else {}
    for document in documents:
        parts.append(
            _letter(
                document,
                anchors[document],
                rows.get(document, {}),
                by_document.get(document),
                themes,
            )
        )
    parts.append(f"</section></main><script>{SCRIPT}</script></body></html>\n")
    return "".join(parts)


def write_report(
    path: Path | str, tags: pd.DataFrame, summary: pd.DataFrame, themes: list[Theme], title: str
) -> Path:
    """Render the report and write it atomically."""
    page = render_report(tags, summary, themes, title)
    return write_atomic(path, lambda f: f.write(page))


def write_batch_report(
    path: Path | str, tags_table: Path, summary: pd.DataFrame, themes: list[Theme]
) -> Path:
    """The report of a finished batch: every letter (resumed ones too), read back from its
    sentence table."""
    return write_report(path, read_table(tags_table), summary, themes, "Themes in Ofsted letters")


def _any_theme(tags: pd.DataFrame, themes: list[Theme]) -> pd.Series:
    columns = [t.id for t in themes if t.id in tags.columns]
    if not columns:
        return pd.Series(0, index=tags.index)
    return (tags[columns].fillna(0).astype(float) > 0).any(axis=1).astype(int)


def _toggles(themes: list[Theme]) -> str:
    """Legend that doubles as a filter: untick a theme to hide its highlights and bars."""
    labels = [
        f"<label class='toggle'><input type='checkbox' checked data-theme='{theme_class(t.id)}'>"
        f"<span class='sw {theme_class(t.id)}'></span>{escape(t.name)}</label>"
        for t in themes
    ]
    return f"<div class='toggles' role='group' aria-label='Themes shown'>{''.join(labels)}</div>"


# ---------------------------------------------------------------------------------------------
# HTML report: chart


def _chart(documents: list[str], rows: dict, anchors: dict[str, str], themes: list[Theme]) -> str:
    """Grouped bars as inline SVG: one group per letter, one bar per theme with a tooltip."""
    if not documents or not themes:
        return "<p class='empty'>No letters to chart.</p>"
    counts = {
        d: [int(_number(rows.get(d, {}).get(f"{t.id}_count"))) for t in themes] for d in documents
    }
    top = max(1, max(max(c) for c in counts.values()))
    step = _tick_step(top)
    ymax = step * math.ceil(top / step)
    group = max(len(themes) * 6 + 10, min(180, 900 // len(documents)))
    bar = min(18.0, (group - 10) / len(themes))
    left, right, top_pad, plot_h, bottom = 56, 16, 44, 220, 150
    legend, legend_end = _legend(themes, left)
    width = max(left + group * len(documents), legend_end) + right
    height = top_pad + plot_h + bottom

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / ymax)

    parts = [
        f"<svg class='chart' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='Tagged sentences per letter'>",
        legend,
    ]
    for tick in range(0, int(ymax) + 1, step):
        parts.append(
            f"<line class='grid' x1='{left}' x2='{width - right}' y1='{y(tick):.1f}' "
            f"y2='{y(tick):.1f}'/><text class='tick' x='{left - 6}' y='{y(tick) + 4:.1f}' "
            f"text-anchor='end'>{tick}</text>"
        )
    for i, document in enumerate(documents):
        x0 = left + i * group + (group - bar * len(themes)) / 2
        parts.append(f"<a href='#{anchors[document]}'>")
        for j, (theme, count) in enumerate(zip(themes, counts[document], strict=True)):
            if count:
                parts.append(_bar(document, theme, count, rows, x0 + j * bar, bar, y(count), y(0)))
        label_x = left + i * group + group / 2
        parts.append(_x_label(document, label_x, top_pad + plot_h + 12))
        parts.append("</a>")
    parts.append(_axes(left, width - right, top_pad, plot_h, height))
    parts.append("</svg>")
    return "".join(parts)


def _tick_step(top: int) -> int:
    """An integer tick step of 1, 2 or 5 times a power of ten giving about five ticks."""
    raw = max(1.0, top / 5)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _bar(
    document: str, theme: Theme, count: int, rows: dict, x: float, w: float, y: float, base: float
) -> str:
    share = _number(rows.get(document, {}).get(f"{theme.id}_share"))
    tip = f"{_text(document)} · {escape(theme.name)}: {count} sentences ({share:.1%})"
    return (
        f"<rect class='bar {theme_class(theme.id)}' x='{x:.1f}' y='{y:.1f}' "
        f"width='{max(w - 1, 1):.1f}' height='{base - y:.1f}' fill='{safe_colour(theme.colour)}'>"
        f"<title>{tip}</title></rect>"
    )


def _x_label(document: str, x: float, y: float) -> str:
    name = str(document)
    base = name.replace("\\", "/").rsplit("/", 1)[-1]  # the file name; the full path on hover
    short = base if len(base) <= 26 else base[:25] + "…"
    return (
        f"<text class='xlabel' transform='translate({x:.1f},{y:.1f}) rotate(-40)' "
        f"text-anchor='end'><title>{_text(name)}</title>{_text(short)}</text>"
    )


def _axes(left: int, right: int, top: int, plot_h: int, height: int) -> str:
    base = top + plot_h
    middle = top + plot_h / 2
    return (
        f"<line class='axis' x1='{left}' x2='{right}' y1='{base}' y2='{base}'/>"
        f"<line class='axis' x1='{left}' x2='{left}' y1='{top}' y2='{base}'/>"
        f"<text class='axis-label' transform='translate(16,{middle:.0f}) rotate(-90)' "
        f"text-anchor='middle'>Tagged sentences</text>"
        f"<text class='axis-label' x='{(left + right) / 2:.0f}' y='{height - 8}' "
        f"text-anchor='middle'>Letter</text>"
    )


def _legend(themes: list[Theme], left: int) -> tuple[str, int]:
    """Swatch and name per theme in a row, and where the row ends (to size the chart)."""
    parts, x = ["<g class='legend'>"], left
    for theme in themes:
        parts.append(
            f"<rect class='key {theme_class(theme.id)}' x='{x}' y='12' width='12' height='12' "
            f"rx='2' fill='{safe_colour(theme.colour)}'/>"
            f"<text x='{x + 17}' y='22.5'>{escape(theme.name)}</text>"
        )
        x += 34 + 7 * len(theme.name)
    parts.append("</g>")
    return "".join(parts), x


# ---------------------------------------------------------------------------------------------
# HTML report: summary table

SUMMARY_FIELDS = [
    ("council", "Council"),
    ("visit_type", "Visit"),
    ("visit_dates", "Visit dates"),
    ("judgement", "Judgement"),
]


def _summary_table(
    documents: list[str], rows: dict, anchors: dict[str, str], themes: list[Theme]
) -> str:
    """The summary, one row per letter; theme cells carry a bar scaled to the highest share."""
    head = ["<th>Letter</th>"] + [f"<th>{label}</th>" for _, label in SUMMARY_FIELDS]
    head.append("<th class='num'>Sentences</th>")
    head += [
        f"<th class='num'><span class='sw {theme_class(t.id)}'></span>{escape(t.name)}</th>"
        for t in themes
    ]
    top = {
        t.id: max([_number(rows.get(d, {}).get(f"{t.id}_share")) for d in documents] or [0]) or 1
        for t in themes
    }
    body = [_summary_row(d, rows.get(d, {}), anchors[d], themes, top) for d in documents]
    return (
        f"<table class='summary'><thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _summary_row(
    document: str, row: dict, anchor: str, themes: list[Theme], top: dict[str, float]
) -> str:
    name = _text(document)
    cells = [f"<td data-v='{name}'><a href='#{anchor}'>{name}</a></td>"]
    for field, _ in SUMMARY_FIELDS:
        value = _text(row.get(field))
        cells.append(f"<td data-v='{value}'>{value}</td>")
    sentences = int(_number(row.get("sentences")))
    cells.append(f"<td class='num' data-v='{sentences}'>{sentences}</td>")
    for theme in themes:
        count = int(_number(row.get(f"{theme.id}_count")))
        share = _number(row.get(f"{theme.id}_share"))
        fill = 100 * share / top[theme.id]
        cells.append(
            f"<td class='num share' data-v='{count}' style='--fill:{fill:.0f}%;"
            f"--colour:{safe_colour(theme.colour)}'>{count} <small>{share:.1%}</small></td>"
        )
    return f"<tr>{''.join(cells)}</tr>"


# ---------------------------------------------------------------------------------------------
# HTML report: letters


def _letter(
    document: str, anchor: str, row: dict, sentences: pd.DataFrame | None, themes: list[Theme]
) -> str:
    """A letter: heading with metadata and counts, then its sentences in page order."""
    meta = "".join(
        f"<div><dt>{label}</dt><dd>{_text(row.get(field)) or '—'}</dd></div>"
        for field, label in SUMMARY_FIELDS
    )
    chips = "".join(
        f"<span class='chip'><span class='sw {theme_class(t.id)}'></span>{escape(t.name)} "
        f"<b>{int(_number(row.get(f'{t.id}_count')))}</b></span>"
        for t in themes
    )
    parts = [
        f"<article class='letter' id='{anchor}'><h3>{_text(document)}</h3>",
        f"<dl class='meta'>{meta}</dl><p class='chips'>{chips}</p><div class='text'>",
    ]
    parts.extend(_sentences(sentences, themes))
    parts.append("</div><p class='back'><a href='#summary'>↑ Back to the summary</a></p></article>")
    return "".join(parts)


def _sentences(sentences: pd.DataFrame | None, themes: list[Theme]) -> list[str]:
    """Sentence blocks by page then number, with a page marker at each new page."""
    if sentences is None or not len(sentences):
        return ["<p class='empty'>No sentences were found in this letter.</p>"]
    order = [c for c in ("page", "sentence_no") if c in sentences.columns]
    sentences = sentences.sort_values(order, kind="stable") if order else sentences
    records = sentences.to_dict("records")
    parts, page = [], None
    for record in records:
        if "page" in record and record["page"] != page:
            page = record["page"]
            parts.append(f"<div class='page'>Page {_text(page)}</div>")
        parts.append(_sentence(record, themes))
    return parts


def _sentence(record: dict, themes: list[Theme]) -> str:
    hits = [t for t in themes if _number(record.get(t.id)) > 0]
    marks = ["tagged", f"n{min(len(hits), 4)}"] if hits else []
    classes = " ".join(["s", *marks, *(theme_class(t.id) for t in hits)])
    number = _text(record.get("sentence_no"))
    tip = _tooltip(record, hits) if hits else ""
    return (
        f"<div class='{classes}'><span class='no'>{number}</span>"
        f"<span class='tx'>{_text(record.get('text'))}</span>{tip}</div>"
    )


def _tooltip(record: dict, hits: list[Theme]) -> str:
    """Hover card: each tagged theme with its score, then the words that drove the tags."""
    lines = "".join(
        f"<span class='tl'><span class='sw {theme_class(t.id)}'></span>{escape(t.name)} "
        f"<b>{_number(record.get(f'{t.id}_score')):.2f}</b></span>"
        for t in hits
    )
    evidence = _text(record.get("evidence"))
    evidence_line = f"<span class='ev'>Evidence: {evidence}</span>" if evidence else ""
    return f"<span class='tip' role='tooltip'>{lines}{evidence_line}</span>"


# ---------------------------------------------------------------------------------------------
# HTML report: style and script (fixed text; the per-theme rules use only safe ids and colours)


def _css(themes: list[Theme]) -> str:
    """Base style plus per-theme rules.

    Each theme owns a 5px stripe at a fixed place in the margin and a light tint layer, both
    driven by CSS variables, so a sentence with several themes shows every one of them and a
    theme toggle only has to reset that theme's variables.
    """
    names = [theme_class(t.id) for t in themes]
    stripes = [
        f"var(--{n}) {6 * i}px {6 * i + 5}px, transparent {6 * i + 5}px {6 * i + 6}px"
        for i, n in enumerate(names)
    ]
    tints = [f"linear-gradient(var(--{n}-tint), var(--{n}-tint))" for n in names]
    layers = (
        [f"linear-gradient(90deg, {', '.join(stripes)}, transparent {6 * len(names)}px)"]
        if names
        else []
    )
    defaults = "".join(f"--{n}:transparent;--{n}-tint:transparent;" for n in names)
    # Tints add up: the more themes on a sentence, the fainter each, so the text stays legible.
    strengths = ".s{--tint:16%}.s.n2{--tint:10%}.s.n3{--tint:7%}.s.n4{--tint:5%}"
    rules = [
        BASE_CSS,
        strengths,
        f".s{{{defaults}padding-left:{6 * len(names) + 10}px;}}",
        f".s.tagged{{background-image:{', '.join(layers + tints)};}}" if names else "",
    ]
    for name, theme in zip(names, themes, strict=True):
        colour = safe_colour(theme.colour)
        rules.append(
            f".s.{name}{{--{name}:{colour};"
            f"--{name}-tint:color-mix(in srgb, {colour} var(--tint), transparent)}}"
            f"body.hide-{name} .s.{name}{{--{name}:transparent;--{name}-tint:transparent}}"
            f"body.hide-{name} .bar.{name}{{opacity:.12}}"
            f"body.hide-{name} .tl:has(.{name}){{opacity:.4}}"
            f".sw.{name}{{background:{colour}}}"
        )
    return "".join(rules)


BASE_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1f2328;background:#f6f7f9}
a{color:#0b5cad}
.top{position:sticky;top:0;z-index:20;background:#fff;border-bottom:1px solid #d8dde3;
box-shadow:0 1px 4px rgba(0,0,0,.05)}
.bar-inner,main{max-width:1200px;margin:0 auto;padding:0 20px}
.bar-inner{padding-top:10px;padding-bottom:10px;display:flex;flex-wrap:wrap;align-items:baseline;
gap:4px 18px}
h1{font-size:1.3rem;margin:0}
.stats{margin:0;color:#57606a;font-size:.9rem}
.toggles{display:flex;flex-wrap:wrap;gap:6px 14px;width:100%}
.toggle{display:inline-flex;align-items:center;gap:6px;font-size:.9rem;cursor:pointer;
user-select:none}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;
vertical-align:-1px;flex:none}
.toggle .sw{margin-right:0}
section{background:#fff;border:1px solid #d8dde3;border-radius:8px;margin:20px 0;
padding:4px 20px 16px;scroll-margin-top:90px}
h2{font-size:1.1rem;margin:14px 0 4px}
.hint{margin:0 0 10px;color:#57606a;font-size:.85rem}
.scroll{overflow-x:auto}
.chart text{font-size:11px;fill:#3d444d}
.chart .legend text{font-size:12px}
.chart .grid{stroke:#e8ebef}
.chart .axis{stroke:#8c959f}
.chart .axis-label{font-size:12px;font-weight:600}
.chart .bar{transition:opacity .15s}
.chart a:hover .bar{opacity:.75}
.chart a:hover .xlabel{fill:#0b5cad;text-decoration:underline}
table.summary{border-collapse:collapse;width:100%;font-size:.88rem}
.summary th,.summary td{padding:5px 8px;border-bottom:1px solid #e6e9ed;text-align:left}
.summary td{min-width:5em}
.summary td.num{white-space:nowrap;min-width:0}
.summary th{background:#f3f5f7;cursor:pointer;font-weight:600;vertical-align:bottom}
.summary th[data-dir=asc]::after{content:" ▲";font-size:.7em}
.summary th[data-dir=desc]::after{content:" ▼";font-size:.7em}
.summary tbody tr:hover{background:#f8fafc}
.summary .num{text-align:right;font-variant-numeric:tabular-nums}
.summary td.share{background:linear-gradient(90deg,
color-mix(in srgb,var(--colour) 22%,transparent) var(--fill),transparent var(--fill)) no-repeat}
.summary small{color:#57606a}
#letters{background:transparent;border:0;padding:0}
.letter{background:#fff;border:1px solid #d8dde3;border-radius:8px;margin:14px 0;
padding:6px 20px 12px;scroll-margin-top:90px}
.letter h3{margin:10px 0 4px;font-size:1.05rem;overflow-wrap:anywhere}
.meta{display:flex;flex-wrap:wrap;gap:2px 22px;margin:0 0 6px;font-size:.85rem}
.meta div{display:flex;gap:6px}
.meta dt{color:#57606a}
.meta dd{margin:0;font-weight:500}
.chips{margin:0 0 10px;display:flex;flex-wrap:wrap;gap:6px}
.chip{font-size:.8rem;border:1px solid #d8dde3;border-radius:999px;padding:1px 9px;
background:#fafbfc}
.text{font-family:Georgia,"Times New Roman",serif;font-size:15.5px;line-height:1.55}
.page{font:600 .72rem/1 system-ui,sans-serif;color:#8c959f;text-transform:uppercase;
letter-spacing:.06em;margin:12px 0 4px;display:flex;align-items:center;gap:8px}
.page::after{content:"";flex:1;border-top:1px solid #e6e9ed}
.s{position:relative;display:flex;gap:10px;padding-top:3px;padding-bottom:3px;padding-right:8px;
border-radius:3px;background-repeat:no-repeat}
.s .no{flex:none;width:2.2em;text-align:right;color:#9aa1a9;font:.75rem/1.9 system-ui,sans-serif;
font-variant-numeric:tabular-nums}
.s .tx{flex:1;min-width:0;overflow-wrap:anywhere}
.s.tagged{cursor:help}
.tip{display:none;position:absolute;left:3.5em;top:calc(100% + 4px);z-index:10;max-width:34rem;
padding:8px 11px;background:#24292f;color:#fff;border-radius:6px;
box-shadow:0 4px 14px rgba(0,0,0,.25);
font:13px/1.45 system-ui,sans-serif}
.tip .tl{display:block}
.tip .ev{display:block;margin-top:4px;color:#d0d7de;overflow-wrap:anywhere}
.s.tagged:hover .tip{display:block}
.s.tagged:hover{outline:1px solid #afb8c1}
.back{margin:10px 0 0;font-size:.85rem}
.empty{color:#57606a;font-style:italic}
"""

SCRIPT = """
(function () {
  document.querySelectorAll(".toggles input").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.theme, !box.checked);
    });
  });
  var table = document.querySelector("table.summary");
  if (!table) return;
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener("click", function () {
      var asc = th.dataset.dir !== "asc";
      Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
      th.dataset.dir = asc ? "asc" : "desc";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;
        var d = (x !== "" && y !== "" && !isNaN(x) && !isNaN(y)) ? x - y : x.localeCompare(y);
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
"""
