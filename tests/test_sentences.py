"""Behaviour of the sentence splitter and the cleaning of news articles into prose."""

from __future__ import annotations

import random

import pytest
import sentence_corpora

from ofsted_themes.reading import sentences
from ofsted_themes.reading.sentences import (
    Span,
    article_sentences,
    letter_sentences,
    split_sentences,
)


def texts(spans: list[Span]) -> list[str]:
    return [s.text for s in spans]


def assert_offsets(spans: list[Span], source: str) -> None:
    for span in spans:
        assert source[span.start : span.end] == span.text
        assert span.text == span.text.strip() and span.text


# --- offsets -----------------------------------------------------------------------------------

OFFSET_CASES = [
    "",
    "One sentence.",
    "  Indented, with trailing spaces.  ",
    "First line.\nSecond line.\r\nThird line.\r\n",
    "A.\n\n\nB.\n",
    "Mr. Smith met Dr. Jones. They spoke, e.g. about the U.K. plan.",
    'He said: "Staff are leaving. Managers do not know." Then he left.',
    "• Staff are leaving.\n  * Managers do not know.\n1. Caseloads are high.\n(a) Weak.",
    "Headline with no stop\nBy A Reporter\n\nThe council was judged inadequate.",
    "Tabs\tand form\x0cfeeds. Unicode line\u2028separators and next\x85lines.",
    "Birmingham’s children’s services – “inadequate” – again. Ofsted said so.",
]


@pytest.mark.parametrize("source", OFFSET_CASES)
@pytest.mark.parametrize("split", [split_sentences, article_sentences])
def test_text_is_the_source_at_its_offsets(split, source):
    assert_offsets(split(source), source)


def test_offsets_hold_on_random_text():
    tokens = [
        *"Mr. Dr. e.g. U.K. St. etc. the Council staff said A b 3 é ... — ( )".split(),
        *". ? ! : ; , \" ' “ ” ‘ ’".split(),
        "\n",
        "\n\n",
        "\r\n",
        "• ",
        "* ",
        "1. ",
        "(a) ",
        "  ",
        "\t",
    ]
    rng = random.Random(20140604)
    for _ in range(300):
        source = "".join(
            rng.choice(tokens) + rng.choice(["", " "]) for _ in range(rng.randint(0, 40))
        )
        assert_offsets(split_sentences(source), source)
        assert_offsets(article_sentences(source), source)


def test_offsets_point_into_the_whole_text_not_the_paragraph():
    source = "First paragraph here.\n\nSecond paragraph. It has two sentences.\n"
    spans = split_sentences(source)
    assert texts(spans) == [
        "First paragraph here.",
        "Second paragraph.",
        "It has two sentences.",
    ]
    assert spans[2].start == source.index("It has")


# --- abbreviations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith met the director on Monday.",
        "Mrs. Brown and Ms. Green met Prof. White.",
        "Dr. Jones, the medical adviser, agreed.",
        "Some staff, e.g. newly qualified social workers, left.",
        "Services, i.e. children's social care, failed.",
        "The U.K. government issued a notice.",
        "St. Mary's school was closed.",
        "There were 40 vacancies, agency posts etc. in the teams.",
    ],
)
def test_an_abbreviation_does_not_end_a_sentence(sentence):
    source = f"{sentence} The council responded."
    assert texts(split_sentences(source)) == [sentence, "The council responded."]


@pytest.mark.parametrize("sentence", ["Cllr. Jones said it was bad.", "Coun. Smith agreed."])
def test_a_councillor_title_does_not_end_a_sentence(sentence):
    assert texts(split_sentences(sentence)) == [sentence]


# --- quotations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_", "close"), [('"', '"'), ("“", "”"), ("‘", "’")], ids=["straight", "curly", "single"]
)
def test_a_multi_sentence_quotation_is_split_into_its_sentences(open_, close):
    source = (
        f"It states: {open_}Managers are unaware of the quality of practice. "
        f"Caseloads remain high. Supervision is infrequent.{close}"
    )
    assert texts(split_sentences(source)) == [
        f"It states: {open_}Managers are unaware of the quality of practice.",
        "Caseloads remain high.",
        f"Supervision is infrequent.{close}",
    ]


def test_a_quotation_followed_by_more_text_is_split_after_the_closing_quote():
    source = 'He said: "We will act. It will take time." Then he left.'
    assert texts(split_sentences(source)) == [
        'He said: "We will act.',
        'It will take time."',
        "Then he left.",
    ]


def test_a_quotation_with_an_abbreviation_inside_is_not_split_at_it():
    source = "It states: “Mr. Hay agreed. Dr. Jones did not.”"
    assert texts(split_sentences(source)) == ["It states: “Mr. Hay agreed.", "Dr. Jones did not.”"]


def test_a_quotation_in_straight_single_quotes_leaves_no_stray_quote():
    source = "It said: 'Staff are leaving. Managers do not know.'"
    assert texts(split_sentences(source)) == [
        "It said: 'Staff are leaving.",
        "Managers do not know.'",
    ]


def test_a_question_mark_inside_a_title_does_not_start_a_sentence():
    source = "The Who Cares? report, by the charity, was damning."
    assert texts(split_sentences(source)) == [source]


# --- list items --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker", ["•", "*", "-", "–", "1.", "12.", "1)", "(1)", "(a)", "b)", "iv)", "(iv)"]
)
def test_a_list_marker_is_removed_and_the_item_kept(marker):
    source = f"Ofsted found:\n  {marker} Caseloads are too high.\n"
    for split in (split_sentences, article_sentences):
        spans = split(source)
        assert texts(spans) == ["Ofsted found:", "Caseloads are too high."]
        assert spans[1].start == source.index("Caseloads")


def test_each_item_of_a_list_is_its_own_sentence():
    source = (
        "An inspection found failings, including:\n\n"
        "  • Failing to keep children at risk of exploitation safe.\n"
        "  • Children missing from education.\n"
        "  • The council being “over optimistic” about its performance.\n"
    )
    assert texts(article_sentences(source)) == [
        "An inspection found failings, including:",
        "Failing to keep children at risk of exploitation safe.",
        "Children missing from education.",
        "The council being “over optimistic” about its performance.",
    ]


def test_a_number_that_starts_a_sentence_is_not_a_list_marker():
    source = "2015 was a difficult year for the service."
    assert texts(split_sentences(source)) == [source]


# --- cleaning articles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Safeguarding services in Birmingham remain inadequate",  # headline
        "Neil Puffett",  # byline
        "By Jane Smith, Local Democracy Reporter",
        "Friday, November 25, 2016",  # date
        "🕔04.Jun 2015",
        "Skip to main content",  # navigation
        "Birmingham children's services still inadequate, says Ofsted",  # related article
        "Council house in Victoria Square",  # caption
    ],
)
def test_a_line_without_terminal_punctuation_is_dropped(line):
    source = f"{line}\n\nThe council was judged inadequate.\n"
    assert texts(article_sentences(source)) == ["The council was judged inadequate."]
    assert line in texts(split_sentences(source))  # splitting alone keeps it


@pytest.mark.parametrize(
    "line",
    [
        "T: 0300 123 1231.", "E: enquiries@ofsted.gov.uk.", "Our ref: MV/MED/2023/2.",
        "cc: Councillor Josie Iles, Lead Member for Children’s Services, Medway Council.",
        "Ofsted, Piccadilly Gate, Store Street, Manchester, M1 2WD.", "ME4 4TR.",
        "Jo Leggett.", "His Majesty’s Inspector.", "Senior HMI.", "Areas for improvement:",
        "Direct email:", "Direct line tel: 0300 013 1234.",
        "Thank you to the staff who met with inspectors.",
        "We would like to thank the staff and managers who met with us.",
        "The inspectors would like to thank the social workers who spoke to them.",
        "In addition, we spoke to a range of staff, including managers, social workers and "
        "other practitioners.",
        "Inspectors met with social workers, team managers and senior leaders.",
        "Inspectors spoke to social workers and managers, and looked at children’s case records.",
        "Inspectors spoke to social workers and managers about their work with children.",
        "During the visit, inspectors spoke with staff at all levels of the organisation.",
        "Inspectors held discussions with social workers and their managers.",
        "The inspectors interviewed senior managers, team managers and social workers.",
        "We held focus groups with social workers and their supervisors.",
    ],
)  # fmt: skip
def test_a_letters_furniture_with_a_full_stop_is_no_sentence(line):
    """A letter that puts full stops after its address, contact lines, references, signature
    and headings had each counted as a sentence, every share smaller for them."""
    source = f"{line}\n\nLeaders do not oversee plans.\n"
    assert texts(letter_sentences(source)) == ["Leaders do not oversee plans."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Leaders know their services well.", "Staff turnover is high.",
        "Leaders have not ensured that:",
        "Inspectors found that leaders act on what they learn from audits in the team:",
        "The team meets at Town Hall, Leeds LS1 1UR on Mondays.", "We met in Leeds LS1 1UR.",
        "Leaders should:", "Inspectors found:",
        "Thanks to a recruitment campaign, caseloads are lower.",
        "Inspectors spoke to social workers, who said caseloads are too high.",
        "Inspectors spoke to some highly committed and resilient social workers.",
        "Inspectors met with managers and looked at supervision files.",
        "Inspectors spoke to managers about supervision.",
        "Inspectors spoke to social workers about their caseloads.",
        "Inspectors interviewed social workers about their caseloads.",
        "We held discussions with leaders about the quality of supervision.",
        "We wish to thank children; however, children told us they see their social worker "
        "rarely.",
        "Date: 9 August 2023 Our ref: MV/2023/2 Inspectors found that caseloads are too high "
        "for social workers and that managers do not oversee the plans of children in care.",
    ],
)  # fmt: skip
def test_a_short_sentence_is_not_taken_for_furniture(sentence):
    assert texts(letter_sentences(f"{sentence}\n")) == [sentence]


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe to our newsletter.",
        "Sign up for our daily newsletter!",
        "Get the latest news straight to your inbox: sign up here.",
        "Our newsletter is free.",
        "Click here to read the full report.",
        "We use cookies to improve your experience.",
        "© 2016 Example News. All rights reserved.",
        "Picture: Birmingham City Council.",
        "Photo: PA Images.",
    ],
)
def test_subscription_and_furniture_lines_are_dropped(line):
    source = f"The council was judged inadequate.\n{line}\nStaff turnover remains high.\n"
    assert texts(article_sentences(source)) == [
        "The council was judged inadequate.",
        "Staff turnover remains high.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "The council was judged inadequate.",
        "Was the council told?",
        "It must act now!",
        "The report found:",
        "Inspectors listed three failings;",
        "He said it was “inadequate.”",
        "It was judged inadequate (again.)",
    ],
)
def test_a_line_that_ends_like_a_sentence_is_kept(line):
    assert texts(article_sentences(f"Headline\n{line}\n")) == [line]


def test_a_prose_line_is_split_into_sentences():
    source = "Headline\n\nStaff are leaving. Managers do not know.\n"
    assert texts(article_sentences(source)) == ["Staff are leaving.", "Managers do not know."]


# --- letters: prose, fragments and list numbers ----------------------------------------------

FOUND = "Inspectors found that caseloads are too high in the assessment team."
OVERSEE = "Managers do not always oversee decisions well."


@pytest.mark.parametrize("mark", ["¹", "²³", "[1]", "1", "12"])
def test_a_footnote_mark_after_the_last_stop_keeps_the_paragraph(mark):
    source = f"{FOUND} {OVERSEE}{mark}\n"
    spans = letter_sentences(source)
    assert texts(spans) == [FOUND, OVERSEE + mark]
    assert_offsets(spans, source)


@pytest.mark.parametrize("mark", ["¹", "[1]", "[footnote 1]", "1", "”1"])
def test_a_footnote_mark_between_two_sentences_ends_the_first(mark):
    """A footnote's mark after a full stop, in a paragraph's midst ("too high.2 Leaders are",
    a web page's "promptly.[footnote 1] Managers"), made the two sentences one."""
    quoted = mark.startswith("”")
    first = f"Inspectors found that caseloads are “too high.{mark}" if quoted else FOUND + mark
    source = f"{first} {OVERSEE}\n"
    spans = letter_sentences(source)
    assert texts(spans) == [first, OVERSEE]
    assert_offsets(spans, source)


@pytest.mark.parametrize(
    "text",
    [
        "We met Mr.1 Jones and his team.", "See section 3.1 The plan.",
        "Managers complete Reg.44 Visits and write reports.", "See Fig.2 The graph shows it.",
        "It is set out in para.12 The plan.",
    ],
)  # fmt: skip
def test_a_number_after_an_abbreviation_or_in_a_section_number_is_no_footnote_mark(text):
    """A number after a capitalised abbreviation's stop ("Reg.44 Visits") was taken for a
    footnote's mark, cutting the sentence, and its paragraph "44 Young people…" for the
    footnote's text."""
    source = f"{text}\n44 Young people told inspectors that they feel safe.\n"
    assert texts(letter_sentences(source)) == [text, source.splitlines()[1]]


def test_a_quotation_opening_with_a_number_is_no_footnote_mark():
    """A sentence after a space that opens with a quote and a number ("this. \"12 children")
    was glued to the one before, the quote and number taken for its footnote's mark."""
    source = 'Leaders were clear about this. "12 children are waiting," a manager said.\n'
    assert texts(letter_sentences(source)) == [
        "Leaders were clear about this.",
        '"12 children are waiting," a manager said.',
    ]


@pytest.mark.parametrize(
    "fragment",
    ["And so on…", "See https://www.gov.uk/x", "Numbers are rising (see annex)", "(see annex)"],
)
def test_a_paragraph_ending_in_a_fragment_keeps_its_sentences_before_it(fragment):
    """A paragraph was judged by its end alone: a last sentence without a stop lost all the
    sentences before it."""
    source = f"Headline\n{FOUND} {OVERSEE} {fragment}\n"
    spans = letter_sentences(source)
    assert texts(spans) == [FOUND, OVERSEE]
    assert_offsets(spans, source)


@pytest.mark.parametrize(
    "line",
    [
        "Page 2 of 5",
        "Contents",
        "Introduction.............3",
        "Contents. 1. Introduction 3",
        "Inspection of St. Helens local authority children's services",
        "Ofsted. Piccadilly Gate, Store Street, Manchester M1 2WD",
        "Leeds City Council. Civic Hall. Leeds LS1 1UR",
        "Dr. A. N. Other, Her Majesty's Inspector",
        "Tel. 0300 123 1231 Email enquiries@ofsted.gov.uk",
        "Leaders should act as set out in section 3.1",
        "Dates of visit: 1 Jan. 2019 to 5 Jan. 2019",
    ],
)
def test_furniture_with_a_stop_inside_is_still_no_sentence(line):
    assert texts(letter_sentences(f"{line}\n{FOUND}\n")) == [FOUND]


@pytest.mark.parametrize("number", ["1000", "12345", "1000000"])
def test_a_list_number_of_four_digits_or_more_is_a_marker_not_a_sentence(number):
    source = f"Leaders should improve:\n{number}. The quality of plans for children.\n"
    spans = letter_sentences(source)
    assert texts(spans) == ["Leaders should improve:", "The quality of plans for children."]
    assert spans[1].start == source.index("The quality")


def test_a_year_starting_a_line_is_not_a_list_number():
    """Wrapped text breaks a sentence before a year as readily as before any word."""
    from ofsted_themes.reading.cleaning import clean_pages

    raw = "The council was last inspected in\n2019. Since then leaders have acted."
    assert clean_pages([raw], wrapped=True) == [raw.replace("\n", " ")]
    assert texts(letter_sentences("Summary\n2019. Since then")) == []  # no sentence "2019."


# --- long texts --------------------------------------------------------------------------------


def test_a_long_text_of_many_paragraphs_splits_correctly():
    paragraphs, expected = [], []
    for n in range(400):
        sentences = [
            f"Paragraph {n} reports that Mr. Smith met {n % 7 + 2} managers.",
            f"Caseloads in team {n} are high, e.g. in the U.K. office.",
            f"It states: “Team {n} is short of staff. Supervision is weak.”",
        ]
        paragraphs += [f"Headline number {n}", " ".join(sentences), ""]
        expected += [
            sentences[0],
            sentences[1],
            f"It states: “Team {n} is short of staff.",
            "Supervision is weak.”",
        ]
    source = "\n".join(paragraphs)
    spans = article_sentences(source)
    assert texts(spans) == expected
    assert_offsets(spans, source)
    assert [s.start for s in spans] == sorted(s.start for s in spans)


# --- against sentences as people split them (tests/sentence_corpora.py) -----------------------

# Hard cases the splitter gets wrong, and why: each is expected to fail until it is mended.
KNOWN_WRONG = {
    "etc. ends a sentence": "'etc.' is an abbreviation to the splitter, even before a capital",
}


def spans(split, case: sentence_corpora.Case) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split(case.text)]


def test_the_seed_articles_split_into_their_labelled_sentences():
    """prepare checks the labelled set against the articles' sentences: they must not move."""
    for case in sentence_corpora.article_cases():
        assert spans(article_sentences, case) == case.spans(), case.name


def test_the_invented_letters_split_into_their_sentences():
    for case in sentence_corpora.invented_letter_cases():
        assert spans(split_sentences, case) == case.spans(), case.name


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(reason=KNOWN_WRONG[case.name], strict=True)]
            if case.name in KNOWN_WRONG
            else [],
        )
        for case in sentence_corpora.hard_cases()
    ],
)
def test_a_hard_case_splits_as_a_person_splits_it(case):
    """Titles, initials, "e.g.", numbers, dates, quotations, brackets, list numbers."""
    assert texts(split_sentences(case.text)) == list(case.sentences)


def test_a_long_paragraph_splits_as_its_windows_would_alone():
    """A paragraph over WINDOW_CHARS is cut into windows at a full stop and a capital; the
    windows change no sentence."""
    body = " ".join(f"Leaders know the quality of practice in team {i}." for i in range(200))
    found = texts(split_sentences(body))
    assert len(body) > 4 * sentences.WINDOW_CHARS
    assert len(list(sentences._windows(body))) >= 4  # it was cut: the windows are exercised
    assert found == [f"Leaders know the quality of practice in team {i}." for i in range(200)]


def test_boilerplate_is_found_as_its_pattern_finds_it(project_root):
    """The substring test before the pattern changes no answer: on every line of the seed
    articles and every labelled sentence, and on furniture in any case and beyond ASCII."""
    import pandas as pd

    texts = [
        line
        for f in (project_root / "data/raw").glob("*.txt")
        for line in f.read_text().splitlines()
    ]
    for table in sorted(project_root.glob("data/**/sentences.csv")):
        texts += pd.read_csv(table)["text"].tolist()
    furniture = [
        "Sign up to our newsletter.", "SUBSCRIBE now!", "Cookies help us.", "Photo: PA.",
        "Read More.", "Powered by WordPress.", "ſubscribe today.", "Tap to ſign up.",
        "The image: a child.", "All Rights Reserved.", "cookie-free", "subscribers' views.",
        "Picture : none", "photography: none", "Required fields *", "Click here to donate.",
        "Picture: Getty.", "Newsletters", "Sign-up", "It’s İMAGE: here", "CLıCK HERE",
        "\u212aeep reading. Read more’s", "Café ſign up", "Réad more",
    ]  # fmt: skip
    found = [t for t in texts + furniture if sentences.is_boilerplate(t)]
    assert found == [t for t in texts + furniture if sentences.BOILERPLATE.search(t)]
    assert len(found) >= 10 and len(texts) > 4_000


def test_only_the_folded_characters_beyond_ascii_match_an_ascii_letter_blind_to_case():
    import re
    import string

    letter = re.compile("[a-z]", re.IGNORECASE)
    found = [chr(c) for c in range(128, 0x110000) if letter.fullmatch(chr(c))]
    folded = {c: next(a for a in string.ascii_lowercase if re.fullmatch(a, c, re.I)) for c in found}
    assert {chr(c): a for c, a in sentences.ASCII_FOLDS.items()} == folded


def test_a_web_pages_feedback_question_is_no_sentence_of_the_letter():
    """GOV.UK ends each page with "Is this page useful?" (a council's site with "Was this page
    helpful?"): it was a sentence of every letter saved from there. A sentence beside it on its
    line stays."""
    source = f"{FOUND}\nIs this page useful?\n{OVERSEE} Was this page helpful?\n"
    assert texts(letter_sentences(source)) == [FOUND, OVERSEE]


@pytest.mark.parametrize("mark", ["2", "²", "[2]", "[footnote 2]"])
def test_a_footnotes_text_is_no_sentence_of_the_letter(mark):
    """A footnote set as a paragraph ("2 Average caseload of 24 children.") was a sentence of
    the letter, counted and tagged (here `staffing`); a paragraph starting with a number that
    no mark names is the letter's own."""
    source = (
        f"Caseloads are too high.{mark} {OVERSEE}\n2 Average caseload of 24 children.\n"
        "4 children went missing from care last year.\n"
    )
    assert texts(letter_sentences(source)) == [
        f"Caseloads are too high.{mark}",
        OVERSEE,
        "4 children went missing from care last year.",
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "What needs to improve?",
        "What needs to improve in this area of social work practice?",
        "What does the local authority need to improve?",
    ],
)
def test_the_heading_of_what_must_improve_is_no_sentence(heading):
    """Ofsted heads its list of what a council must improve with a question, which was counted
    as a sentence of nearly every letter; a sentence about what needs to improve is one."""
    source = f"{heading}\nWhat needs to improve is clear to leaders.\n"
    assert texts(letter_sentences(source)) == ["What needs to improve is clear to leaders."]


def test_the_items_of_a_list_of_what_needs_to_improve_are_marked():
    text = (
        "Leaders have improved the front door.\n\n"
        "What needs to improve in this area of social work practice?\n\n"
        "- The quality and use of performance information by managers.\n"
        "- Supervision that challenges drift for children in care.\n\n"
        "Inspectors found that the staff are committed.\n\n"
        "- Children are seen alone by their social workers.\n\n"
        "Areas for priority action:\n\n"
        "1. The timeliness of return home interviews for children who go missing.\n"
    )
    marked = {s.text: s.to_improve for s in letter_sentences(text)}
    assert marked == {
        "Leaders have improved the front door.": False,
        "The quality and use of performance information by managers.": True,
        "Supervision that challenges drift for children in care.": True,
        "Inspectors found that the staff are committed.": False,
        "Children are seen alone by their social workers.": False,  # a list under prose
        "The timeliness of return home interviews for children who go missing.": True,
    }


@pytest.mark.parametrize(
    "text",
    [
        # a numbered section after the list: its items are strengths
        "What needs to improve in this area of social work practice?\n\n"
        "- The quality of plans for children in care.\n\n2. Strengths\n\n"
        "- Social workers have manageable caseloads and know their children well.\n",
        # a table of contents names the heading among its items
        "1. What needs to improve\n2. Main findings\n\n"
        "- Social workers have manageable caseloads and know their children well.\n",
        # progress since the last visit, and a finding that begins like the heading
        "Areas of improvement since the last inspection include:\n\n"
        "- Social workers have manageable caseloads and know their children well.\n",
        "What needs to improve is clear to leaders.\n\n"
        "- Social workers have manageable caseloads and know their children well.\n",
    ],
)
def test_a_list_that_is_not_of_what_needs_to_improve_is_not_marked(text):
    marked = {s.text: s.to_improve for s in letter_sentences(text)}
    assert marked["Social workers have manageable caseloads and know their children well."] is False


def test_a_list_of_what_needs_to_improve_goes_on_over_a_page_break():
    from ofsted_themes.reading.sentences import ImprovementList, iter_letter_sentences

    pages = [
        "Leaders know their services well.\n\nWhat does the local authority need to improve?\n",
        "- The quality of plans for children in care.\n- Supervision that challenges drift.\n\n"
        "Inspectors found that the staff are committed.\n",
    ]
    state = ImprovementList()
    marked = {s.text: s.to_improve for page in pages for s in iter_letter_sentences(page, 4, state)}
    assert marked == {
        "Leaders know their services well.": False,
        "The quality of plans for children in care.": True,
        "Supervision that challenges drift.": True,
        "Inspectors found that the staff are committed.": False,
    }
