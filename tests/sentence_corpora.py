"""Texts with known sentence boundaries, for the splitter's tests and benchmarks/splitters.py.

Each corpus is a list of :class:`Case`: a text (one paragraph per line) and its sentences, in
order, as a person splits them. The real-letter sentences in ``data/letters`` are joined back into
paragraphs; the seed articles keep their labelled offsets; the hard cases are written here, one
difficulty each (titles, "e.g.", numbered paragraphs, bullets, quotations, decimals, initials).
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURE_LETTERS = Path(__file__).parent / "fixtures" / "letters"

# A sentence that does not end in terminal punctuation (a list lead-in ending in ":", a list item)
# ends its paragraph: run on into the next one, no splitter could find the boundary.
ENDS_WITH_STOP = re.compile(r"[.!?][\"'”’)\]]*$")
PARAGRAPH_SIZES = (3, 4, 5)  # sentences a paragraph, in turn


@dataclass(frozen=True)
class Case:
    """A text and its sentences as a person splits it (each found in the text, in order)."""

    name: str
    text: str
    sentences: tuple[str, ...]

    def spans(self) -> list[tuple[int, int]]:
        """(start, end) of each sentence in ``text``."""
        spans, cursor = [], 0
        for sentence in self.sentences:
            start = self.text.index(sentence, cursor)
            cursor = start + len(sentence)
            spans.append((start, cursor))
        return spans


def _paragraphs(name: str, sentences: list[str]) -> list[Case]:
    """Consecutive sentences of one page joined into paragraphs of 3, 4, 5, 3, ... sentences."""
    cases, sizes, current = [], itertools.cycle(PARAGRAPH_SIZES), []
    size = next(sizes)
    for sentence in sentences:
        current.append(" ".join(sentence.split()))
        if len(current) == size or not ENDS_WITH_STOP.search(current[-1]):
            cases.append(Case(f"{name}#{len(cases)}", " ".join(current), tuple(current)))
            current, size = [], next(sizes)
    if current:
        cases.append(Case(f"{name}#{len(cases)}", " ".join(current), tuple(current)))
    return cases


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def letter_cases() -> list[Case]:
    """Paragraphs of the real letters' training split (the test split is kept for the tagger's
    quality figure alone): the rows of one page of one inspection, consecutive in the file as in
    the page, joined in threes to fives."""
    cases = []
    rows = _rows(DATA / "letters" / "train" / "sentences.csv")
    for (inspection, url), page in itertools.groupby(
        rows, key=lambda r: (r["inspection"], r["url"])
    ):
        cases += _paragraphs(f"{inspection} {url}", [r["text"] for r in page])
    return cases


def invented_letter_cases() -> list[Case]:
    """Paragraphs of the invented letters of the development set (``data/dev``)."""
    rows = _rows(DATA / "dev" / "sentences.csv")
    return [
        case
        for letter, group in itertools.groupby(rows, key=lambda r: r["letter"])
        for case in _paragraphs(f"dev {letter}", [r["text"] for r in group])
    ]


def article_cases() -> list[Case]:
    """The seed articles (``data/raw``), with their labelled and excluded sentences' offsets."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for path in (DATA / "sentences.csv", DATA / "excluded.csv"):
        for row in _rows(path):
            spans.setdefault(row["article"], []).append((int(row["start"]), int(row["end"])))
    cases = []
    for article, found in sorted(spans.items()):
        text = (DATA / "raw" / f"{article}.txt").read_text(encoding="utf-8")
        sentences = tuple(text[a:b] for a, b in sorted(found))
        cases.append(Case(f"article {article}", text, sentences))
    return cases


def fixture_letter_texts() -> dict[str, str]:
    """The fixture letters (tests/fixtures/letters/*.txt) that tests/letter_factory.py builds
    every format from; they carry no sentence labels."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(FIXTURE_LETTERS.glob("*.txt"))}


# Each: the text, then its sentences as a person splits them. Letter voice; the difficulty is in
# the name. A splitter need not get them all: they measure it.
HARD = {
    "title Mr.": (
        "Mr. Smith, the director, met inspectors on 3 May. He agreed to act quickly.",
        ["Mr. Smith, the director, met inspectors on 3 May.", "He agreed to act quickly."],
    ),
    "titles Mrs. Ms. Prof. Dr.": (
        "Mrs. Brown and Ms. Green met Prof. White. Dr. Patel, the designated doctor, agreed.",
        ["Mrs. Brown and Ms. Green met Prof. White.", "Dr. Patel, the designated doctor, agreed."],
    ),
    "title Cllr.": (
        "Cllr. Jones, the lead member, chairs the board. The board meets monthly.",
        ["Cllr. Jones, the lead member, chairs the board.", "The board meets monthly."],
    ),
    "title Coun.": (
        "The scrutiny committee, chaired by Coun. Ahmed, reviews performance. It meets often.",
        [
            "The scrutiny committee, chaired by Coun. Ahmed, reviews performance.",
            "It meets often.",
        ],
    ),
    "e.g.": (
        "Some partners, e.g. schools, do not attend. Attendance is improving.",
        ["Some partners, e.g. schools, do not attend.", "Attendance is improving."],
    ),
    "i.e.": (
        "Leaders have a plan, i.e. a written strategy. It is not yet in place.",
        ["Leaders have a plan, i.e. a written strategy.", "It is not yet in place."],
    ),
    "e.g. and i.e. together": (
        "Some records, e.g. chronologies, are out of date, i.e. not updated for months. "
        "Managers know this.",
        [
            "Some records, e.g. chronologies, are out of date, i.e. not updated for months.",
            "Managers know this.",
        ],
    ),
    "no. before a number": (
        "Recommendation no. 4 has not been met. Leaders accept this.",
        ["Recommendation no. 4 has not been met.", "Leaders accept this."],
    ),
    "etc. ends a sentence": (
        "Partners include the police, health, schools etc. The board oversees them.",
        ["Partners include the police, health, schools etc.", "The board oversees them."],
    ),
    "etc. mid-sentence": (
        "Agency posts, vacancies etc. are reported monthly. The board reviews them.",
        ["Agency posts, vacancies etc. are reported monthly.", "The board reviews them."],
    ),
    "approx.": (
        "There are approx. 40 vacancies. Most are filled by agency staff.",
        ["There are approx. 40 vacancies.", "Most are filled by agency staff."],
    ),
    "St.": (
        "Children at St. Mary’s school were seen. Their views were recorded.",
        ["Children at St. Mary’s school were seen.", "Their views were recorded."],
    ),
    "decimal": (
        "The rate was 3.5 per cent in 2021. It is now 12.5 per cent.",
        ["The rate was 3.5 per cent in 2021.", "It is now 12.5 per cent."],
    ),
    "time": (
        "The strategy meeting began at 12.30pm. Police and health attended.",
        ["The strategy meeting began at 12.30pm.", "Police and health attended."],
    ),
    "time a.m.": (
        "Contacts received after 9 a.m. are seen the same day. Most are.",
        ["Contacts received after 9 a.m. are seen the same day.", "Most are."],
    ),
    "p.m. ends a sentence": (
        "The duty team closes at 5 p.m. The emergency team then takes over.",
        ["The duty team closes at 5 p.m.", "The emergency team then takes over."],
    ),
    "date with stops": (
        "The letter is dated 14.10.2022. It was sent to the director.",
        ["The letter is dated 14.10.2022.", "It was sent to the director."],
    ),
    "month abbreviation": (
        "The service was judged inadequate in Nov. 2019. It has improved since.",
        ["The service was judged inadequate in Nov. 2019.", "It has improved since."],
    ),
    "year ends a sentence": (
        "The last inspection was in 2018. Services were then judged good.",
        ["The last inspection was in 2018.", "Services were then judged good."],
    ),
    "percentage ends a sentence": (
        "The number of children in care rose by 10%. It is now 450.",
        ["The number of children in care rose by 10%.", "It is now 450."],
    ),
    "initials": (
        "J. K. Smith, the chair of the partnership, agreed. The partnership met in May.",
        ["J. K. Smith, the chair of the partnership, agreed.", "The partnership met in May."],
    ),
    "initials of two people": (
        "A. Smith and B. Jones met the inspectors. They were helpful.",
        ["A. Smith and B. Jones met the inspectors.", "They were helpful."],
    ),
    "initialism U.K.": (
        "The U.K. guidance is clear. Leaders follow it.",
        ["The U.K. guidance is clear.", "Leaders follow it."],
    ),
    "web address": (
        "The report is at www.gov.uk/ofsted. It was published today.",
        ["The report is at www.gov.uk/ofsted.", "It was published today."],
    ),
    "numbered paragraphs": (
        "What needs to improve?\n"
        "1. The timeliness of decisions at the front door.\n"
        "2. The quality of plans for children in need.\n"
        "12. The oversight of privately fostered children.",
        [
            "What needs to improve?",
            "The timeliness of decisions at the front door.",
            "The quality of plans for children in need.",
            "The oversight of privately fostered children.",
        ],
    ),
    "numbered paragraph of three sentences": (
        "14. Managers review plans regularly. Reviews are recorded. Actions follow.",
        ["Managers review plans regularly.", "Reviews are recorded.", "Actions follow."],
    ),
    "numbers inline": (
        "Inspectors saw 1. the plans and 2. the reviews. Both were weak.",
        ["Inspectors saw 1. the plans and 2. the reviews.", "Both were weak."],
    ),
    "bullet list": (
        "Leaders should improve:\n"
        "• the timeliness of assessments\n"
        "• the quality of plans for children in need.\n"
        "- the recording of management oversight.",
        [
            "Leaders should improve:",
            "the timeliness of assessments",
            "the quality of plans for children in need.",
            "the recording of management oversight.",
        ],
    ),
    "quotation of two sentences": (
        "The report said: “Leaders are aware. Staff are not.” The council agreed.",
        ["The report said: “Leaders are aware.", "Staff are not.”", "The council agreed."],
    ),
    "quotation in straight quotes": (
        'He said: "We will act. It will take time." Then he left.',
        ['He said: "We will act.', 'It will take time."', "Then he left."],
    ),
    "quotation ends a sentence": (
        "Inspectors found “serious weaknesses”. Managers were told.",
        ["Inspectors found “serious weaknesses”.", "Managers were told."],
    ),
    "stop inside the closing quote": (
        "The judgement was “inadequate.” It was the second in a row.",
        ["The judgement was “inadequate.”", "It was the second in a row."],
    ),
    "single quotes": (
        "Inspectors judged the service ‘good’. Leaders were pleased.",
        ["Inspectors judged the service ‘good’.", "Leaders were pleased."],
    ),
    "question in single quotes": (
        "She asked: ‘Why is this so?’ Nobody knew.",
        ["She asked: ‘Why is this so?’", "Nobody knew."],
    ),
    "quotation with a title inside": (
        "It states: “Mr. Hay agreed. Dr. Jones did not.” The board noted it.",
        ["It states: “Mr. Hay agreed.", "Dr. Jones did not.”", "The board noted it."],
    ),
    "quotation with an ellipsis": (
        "The report stated: “Poor decisions … mean that some children wait.” It was published.",
        [
            "The report stated: “Poor decisions … mean that some children wait.”",
            "It was published.",
        ],
    ),
    "title with a question mark": (
        "The Who Cares? report, by the charity, was damning. Leaders responded.",
        ["The Who Cares? report, by the charity, was damning.", "Leaders responded."],
    ),
    "question": (
        "Is the plan working? Inspectors were not sure.",
        ["Is the plan working?", "Inspectors were not sure."],
    ),
    "exclamation": (
        "Staff said the change was welcome! Morale has improved.",
        ["Staff said the change was welcome!", "Morale has improved."],
    ),
    "bracketed sentence": (
        "The service is good. (See the annex for details.) Leaders agree.",
        ["The service is good.", "(See the annex for details.)", "Leaders agree."],
    ),
    "brackets ending a sentence": (
        "Caseloads are high (about 25 children each). Staff are tired.",
        ["Caseloads are high (about 25 children each).", "Staff are tired."],
    ),
    "acronym ends a sentence": (
        "Referrals go to the multi-agency safeguarding hub (MASH). Decisions are timely.",
        [
            "Referrals go to the multi-agency safeguarding hub (MASH).",
            "Decisions are timely.",
        ],
    ),
    "capitalised acronym ends a sentence": (
        "Plans are reviewed by an IRO. Reviews are timely.",
        ["Plans are reviewed by an IRO.", "Reviews are timely."],
    ),
    "square brackets": (
        "It found that “[leaders] have been unable to act. Some risks remain.” Both were noted.",
        [
            "It found that “[leaders] have been unable to act.",
            "Some risks remain.”",
            "Both were noted.",
        ],
    ),
    "colon and semicolon": (
        "Three things matter: plans; reviews; and visits. Leaders agree.",
        ["Three things matter: plans; reviews; and visits.", "Leaders agree."],
    ),
    "ellipsis ends a sentence": (
        "Progress has been slow… Leaders accept this.",
        ["Progress has been slow…", "Leaders accept this."],
    ),
    "a sentence starts with a number": (
        "Inspectors met social workers. 12 of them were agency staff.",
        ["Inspectors met social workers.", "12 of them were agency staff."],
    ),
    "possessive before the stop": (
        "The plan is the partnership’s. It is owned by all three partners.",
        ["The plan is the partnership’s.", "It is owned by all three partners."],
    ),
    "hyphenated word before the stop": (
        "Supervision is regular and well-recorded. Staff value it.",
        ["Supervision is regular and well-recorded.", "Staff value it."],
    ),
    "lower-case continuation after a stop": (
        "The rate fell to 3 per cent. in the last year, and rose again.",
        ["The rate fell to 3 per cent. in the last year, and rose again."],
    ),
    "many short sentences": (
        "Leaders are visible. Staff feel supported. Caseloads are manageable. "
        "Supervision is regular. Training is good.",
        [
            "Leaders are visible.",
            "Staff feel supported.",
            "Caseloads are manageable.",
            "Supervision is regular.",
            "Training is good.",
        ],
    ),
}


def hard_cases() -> list[Case]:
    """The hand-written hard cases (HARD)."""
    return [Case(name, text, tuple(sentences)) for name, (text, sentences) in HARD.items()]
