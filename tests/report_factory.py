"""Tables of many invented letters for the report's scale tests and benchmark: ``tags`` (one row
per sentence) and ``summary`` (one row per letter), as `tag` writes them. Deterministic."""

from __future__ import annotations

import random

import pandas as pd

from ofsted_themes.tagging.summary import summarise

THEME_IDS = ["cse", "missing", "staffing", "oversight"]
PLACES = [
    "Ashmoor", "Beeton", "Ceeford", "Dunholm", "Eastmere", "Fallowby", "Glenhurst", "Harrowfield",
    "Ivybridge Vale", "Kestrel Vale", "Lowmoor", "Marlcombe", "Northwick", "Oakhallow",
    "Pendle Reach", "Quarrington", "Rookby", "Saltmarsh", "Thornbury Down", "Upwell",
]  # fmt: skip
VISITS = ["inspection", "focused visit", "monitoring visit", "joint targeted area inspection"]
FINDINGS = {
    "cse": "Children at risk of sexual exploitation are not always identified quickly.",
    "missing": "Return home interviews are not offered to every child who goes missing.",
    "staffing": "High caseloads and a reliance on agency social workers slow progress.",
    "oversight": "Managers' oversight of plans does not always lead to timely action.",
}
PLAIN = [
    "Inspectors met social workers, managers and partners during the visit.",
    "The local authority has a clear plan for the service.",
    "Families said that they were listened to.",
    "This letter sets out the findings of the visit.",
]


def report_tables(letters: int, sentences: int = 30, seed: int = 0):
    """(tags, summary) of ``letters`` letters of ``sentences`` sentences each, spread over
    councils and the years 2014-2025, about one sentence in five tagged."""
    rng = random.Random(seed)
    rows, meta = [], []
    for i in range(letters):
        council = f"{PLACES[i % len(PLACES)]} {'Borough' if i % 3 else 'County'} Council"
        year = 2014 + i % 12
        document = f"letters/{year}/{council.split()[0].lower()}-{i:03d}.pdf"
        meta.append(
            {
                "document": document,
                "council": council,
                "visit_type": VISITS[i % len(VISITS)],
                "visit_dates": f"3 and 4 May {year}",
                "visit_date": f"{year}-05-04",
                "judgement": "Good" if i % 4 == 0 else "",
            }
        )
        for no in range(1, sentences + 1):
            themes = [t for t in THEME_IDS if rng.random() < 0.06]
            text = " ".join(FINDINGS[t] for t in themes) or rng.choice(PLAIN)
            row = {"document": document, "sentence_no": no, "page": 1 + no // 12, "text": text}
            for theme in THEME_IDS:
                row[theme] = int(theme in themes)
                row[f"{theme}_score"] = 0.9 if theme in themes else 0.05
            row["evidence"] = "; ".join(f"{t}: {FINDINGS[t].split()[1].lower()}" for t in themes)
            rows.append(row)
    tags = pd.DataFrame(rows)
    return tags, summarise(tags, pd.DataFrame(meta), THEME_IDS)
