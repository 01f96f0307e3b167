"""The report's chart as geometry: grouped bars, one group per year and one bar per theme (the
tagged sentences of that year's letters), laid out in SVG user units as plain dicts and lists that
``templates/_chart.svg.j2`` draws. Grouped by year, it stays readable whatever the number of
letters: a few hundred letters span a dozen years."""

from __future__ import annotations

import math

# Plot margins and height in SVG units: room for the y labels on the left, the legend on top and
# the rotated letter names below.
LEFT, RIGHT, TOP, PLOT_HEIGHT, BOTTOM = 56, 16, 44, 220, 70


def chart(
    documents: list[str],
    anchors: dict[str, str],
    themes: list[dict],
    counts: dict[str, list[int]],
    shares: dict[str, list[float]],
) -> dict | None:
    """Where everything goes: size, legend, y ticks, one group of bars per group key (a year),
    the axes.

    ``documents`` are the group keys and ``anchors`` their links (``#findings?year=2019``: a
    bar adds its theme); ``themes`` are the report's theme views (``id``, ``cls``, ``colour``,
    ``name``); ``counts`` and ``shares`` hold one number per theme for each group. None when
    there is nothing to chart.
    """
    if not documents or not themes:
        return None
    top = max(1, max(max(c) for c in counts.values()))
    step = tick_step(top)
    ymax = step * math.ceil(top / step)
    # Letters share about 900 units (at most 180 each) but a group never gets narrower than its
    # bars; bars are at most 18 wide and leave 10 between groups.
    group = max(len(themes) * 6 + 10, min(180, 900 // len(documents)))
    bar = min(18.0, (group - 10) / len(themes))
    legend, legend_end = _legend(themes)
    width = max(LEFT + group * len(documents), legend_end) + RIGHT
    height = TOP + PLOT_HEIGHT + BOTTOM
    base = TOP + PLOT_HEIGHT

    def y(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - value / ymax)

    groups = []
    for i, document in enumerate(documents):
        x0 = LEFT + i * group + (group - bar * len(themes)) / 2
        bars = [
            {
                "cls": theme["cls"],
                "colour": theme["colour"],
                "name": theme["name"],
                "href": f"{anchors[document]}&theme={theme['id']}",
                "count": count,
                "share": share,
                "x": _at(x0 + j * bar),
                "y": _at(y(count)),
                "width": _at(max(bar - 1, 1)),
                "height": _at(base - y(count)),
            }
            for j, (theme, count, share) in enumerate(
                zip(themes, counts[document], shares[document], strict=True)
            )
            if count
        ]
        groups.append(
            {
                "document": document,
                "anchor": anchors[document],
                "bars": bars,
                "label": _label(document, LEFT + i * group + group / 2, base + 12),
            }
        )
    return {
        "width": width,
        "height": height,
        "legend": legend,
        "ticks": [
            {"value": tick, "y": _at(y(tick)), "label_y": _at(y(tick) + 4)}
            for tick in range(0, int(ymax) + 1, step)
        ],
        "tick_x": LEFT - 6,
        "left": LEFT,
        "right": width - RIGHT,
        "top": TOP,
        "base": base,
        "groups": groups,
        # Axis titles: the y one rotated at mid-height, the x one centred under the plot.
        "y_title_y": round(TOP + PLOT_HEIGHT / 2),
        "x_title_x": round((LEFT + width - RIGHT) / 2),
        "x_title_y": height - 8,
    }


def tick_step(top: int) -> int:
    """An integer tick step of 1, 2 or 5 times a power of ten giving about five ticks."""
    raw = max(1.0, top / 5)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _at(value: float) -> float:
    """A coordinate to a tenth of a unit: finer is invisible and only bloats the page."""
    return round(float(value), 1)


def _label(document: str, x: float, y: float) -> dict:
    """A letter's name under its group: the file name, shortened; the full name on hover."""
    name = str(document)
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    short = base if len(base) <= 26 else base[:25] + "…"
    return {"x": _at(x), "y": _at(y), "name": name, "short": short}


def _legend(themes: list[dict]) -> tuple[list[dict], int]:
    """Swatch and name per theme in a row, and where the row ends (to size the chart): the
    width of a name is guessed at 7 units a character, as the page cannot be measured here."""
    legend, x = [], LEFT
    for theme in themes:
        legend.append(
            {
                "cls": theme["cls"],
                "colour": theme["colour"],
                "name": theme["name"],
                "x": x,
                "text_x": x + 17,
            }
        )
        x += 34 + 7 * len(theme["name"])
    return legend, x
