"""The HTML report at scale: page size, time to write it, and time to first render in headless
Chromium, for 300 generated letters beside a baseline of 30 measured in the same run.

    python benchmarks/report_scale.py [--out benchmarks/results/report_scale.md]

Needs Chromium (/usr/bin/chromium) and the dev extra (playwright). Medians of 3 loads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the generated letters

from report_factory import THEME_IDS, report_tables  # noqa: E402

from ofsted_themes.core.themes import Theme  # noqa: E402
from ofsted_themes.reporting.html import write_report  # noqa: E402

THEMES = [Theme(t, t.title()) for t in THEME_IDS]
SIZES = (30, 300)  # letters: the baseline, then the size an analyst of a remit works with
LOADS = 3


def measure(letters: int, folder: Path, browser) -> dict:
    tags, summary = report_tables(letters)
    path = folder / f"report-{letters}.html"
    started = time.perf_counter()
    write_report(path, tags, summary, THEMES, f"{letters} letters")
    written = time.perf_counter() - started
    paints, loads = [], []
    for _ in range(LOADS):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        loads.append(time.perf_counter() - started)
        first = "performance.getEntriesByName('first-contentful-paint')[0]"
        page.wait_for_function(f"{first} !== undefined")
        paint = page.evaluate(f"{first}.startTime")
        paints.append(paint / 1000)
        page.close()
    return {
        "letters": letters,
        "sentences": len(tags),
        "page (MB)": path.stat().st_size / 1e6,
        "write (s)": written,
        "first render (s)": statistics.median(paints),
        "loaded (s)": statistics.median(loads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/report_scale.md"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        rows = [measure(n, Path(tmp), browser) for n in SIZES]
        browser.close()
    table = pd.DataFrame(rows).set_index("letters")
    ratio = table.loc[SIZES[1]] / table.loc[SIZES[0]]
    table.loc[f"{SIZES[1]} / {SIZES[0]}"] = ratio
    text = table.round(2).to_markdown()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
