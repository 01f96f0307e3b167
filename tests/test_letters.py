"""Letter metadata: council, visit type, visit dates and overall judgement."""

from __future__ import annotations

import csv

import letter_factory as lf
import pytest

from ofsted_themes.reading.document import read_document
from ofsted_themes.reading.metadata import (
    FOCUSED_VISIT,
    INSPECTION,
    JTAI,
    MONITORING_VISIT,
    LetterMetadata,
    area_name,
    council,
    document_metadata,
    judgement,
    letter_metadata,
    visit_dates,
)

EXPECTED = {
    "monitoring_visit": LetterMetadata(
        council="Harrowfield",
        visit_type=MONITORING_VISIT,
        visit_dates="3 and 4 May 2022",
        visit_date_iso="2022-05-04",
        judgement=None,  # the letter quotes the last inspection's grade; a visit gives none
    ),
    "focused_visit": LetterMetadata(
        council="Lowmoor",
        visit_type=FOCUSED_VISIT,
        visit_dates="31 January and 1 February 2023",
        visit_date_iso="2023-02-01",
        judgement=None,
    ),
    "ilacs_inspection": LetterMetadata(
        council="Eastmere",
        visit_type=INSPECTION,
        visit_dates="12 to 16 September 2022",
        visit_date_iso="2022-09-16",
        judgement="Requires improvement to be good",
    ),
    "jtai": LetterMetadata(
        council="Kestrel Vale",
        visit_type=JTAI,
        visit_dates="between 27 February and 3 March 2023",
        visit_date_iso="2023-03-03",
        judgement=None,
    ),
}


@pytest.mark.parametrize("letter", lf.LETTERS)
def test_fixture_letters_yield_their_metadata(letter):
    document = read_document(lf.FIXTURES / f"{letter}.txt")
    assert document_metadata(document) == EXPECTED[letter]


@pytest.mark.parametrize("letter", lf.LETTERS)
@pytest.mark.parametrize("make", [lf.make_pdf_letter, lf.make_docx_letter], ids=["pdf", "docx"])
def test_metadata_is_the_same_from_pdf_and_docx(make, letter, tmp_path):
    suffix = ".pdf" if make is lf.make_pdf_letter else ".docx"
    document = read_document(make(tmp_path / f"letter{suffix}", letter))
    assert document_metadata(document) == EXPECTED[letter]


def test_metadata_from_the_html_fixture():
    assert document_metadata(read_document(lf.FIXTURES / "jtai.html")) == EXPECTED["jtai"]


def test_unknown_fields_are_none():
    assert letter_metadata("Thank you for your letter.") == LetterMetadata(
        None, None, None, None, None
    )


# ---------------------------------------------------------------------------------------------
# Council


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dear Ms Hale, Director of Children's Services, Oldbury Metropolitan Borough Council",
            "Oldbury",
        ),
        (
            "Mr Ray Kaur\nDirector of Children’s Services\nLondon Borough of Fenmore\n",
            "Fenmore",
        ),
        ("Inspection of Brackley local authority children’s services\n", "Brackley"),
        ("Monitoring visit to Stoke-on-Wyre children's services\n", "Stoke-on-Wyre"),
        ("Focused visit to the Isle of Marram children’s services\n", "Isle of Marram"),
        ("The local authority works with Sefton Vale City Council.", "Sefton Vale"),
        (
            "Joint targeted area inspection of the response to neglect in North Ashby\n",
            "North Ashby",
        ),
        (
            "The joint targeted area inspection (JTAI) of the response to neglect in North "
            "Ashby. The inspection took place in May.",
            "North Ashby",
        ),
        ("It follows the inspection of local authority children’s services framework.", None),
        ("A letter with no council in it.", None),
        # a report's account of an earlier joint inspection names when, not where
        ("Leaders acted on the joint targeted area inspection (JTAI) in July 2019.", None),
        ("The JOINT TARGETED AREA INSPECTION in JULY 2019 and in Sept 2021.", None),
        ("Joint targeted area inspections in England look at one theme.", None),
        (
            "The joint targeted area inspection in March 2019 in Kestrel Vale found gaps.",
            "Kestrel Vale",
        ),
        # a place name's small joining words, but not a word after the name
        (
            "Joint targeted area inspection of the response in Brackley and Hove\n",
            "Brackley and Hove",
        ),
        (
            "Joint targeted area inspection of the response in Marlcombe upon Hull\n",
            "Marlcombe upon Hull",
        ),
        (
            "Joint targeted area inspection of the response in the Isle of Marram\n",
            "Isle of Marram",
        ),
        ("Joint targeted area inspection of the response in Northwick and the region", "Northwick"),
        (
            "The joint targeted area inspection in March found gaps.\n"
            "Joint targeted area inspection of the response to neglect in North Ashby",
            "North Ashby",
        ),
    ],
)
def test_council_forms(text, expected):
    assert council(text) == expected


def test_the_address_block_wins_over_other_councils_named_in_the_text():
    text = (
        "Director of Children’s Services\nHarrowfield City Council\n\n"
        "Leaders work with Eastmere County Council on placements."
    )
    assert council(text) == "Harrowfield"


@pytest.mark.parametrize("first", ["Nottingham City Council", "Nottinghamshire County Council"])
def test_a_joint_inspection_addressed_to_two_councils_is_of_the_area_its_title_names(first):
    """A joint inspection's letter goes to each council of an area: the first address was
    taken (Nottingham, for a letter about Nottinghamshire), the other never read."""
    other = {"Nottingham City Council", "Nottinghamshire County Council"} - {first}
    text = (
        f"Director of Children’s Services, {first}\n"
        f"Director of Children’s Services, {other.pop()}\nChief Constable, Nottinghamshire "
        "Police\n\nJoint targeted area inspection of the multi-agency response to children who go "
        "missing in Nottinghamshire\n"
    )
    assert council(text) == "Nottinghamshire"
    one = "Director of Children’s Services\nNottingham City Council\n\n" + text.split("\n\n")[1]
    assert council(one) == "Nottingham"  # one council addressed: the address block wins
    elsewhere = text.replace("missing in Nottinghamshire", "missing in Derbyshire")
    assert council(elsewhere) == first.split()[0]  # a title naming neither: the first address


@pytest.mark.parametrize(
    ("address", "area"),
    [("Director of Children and Families\nTelford and Wrekin Council\nAddenbrooke House",
      "Telford and Wrekin"),
     ("Director of Families, Children and Learning\nBrighton and Hove City Council",
      "Brighton and Hove"),
     ("Executive Director of People\nCheshire West and Chester Council",
      "Cheshire West and Chester"),
     ("Director of Children and Families, Redcar and Cleveland Borough Council, Redcar",
      "Redcar and Cleveland"),
     ("Corporate Director\nBath and North East Somerset Council", "Bath and North East Somerset"),
     ("Strategic Director, Children's Services\nRoyal Borough of Windsor and Maidenhead",
      "Windsor and Maidenhead")],
)  # fmt: skip
def test_a_council_is_read_whole_whatever_the_directors_title(address, area):
    # before, only "Director of Children's Services" was an address block, and the first
    # "<Capitalised words> Council" elsewhere gave "Wrekin" for Telford and Wrekin
    assert council(f"Ms A Jones\n{address}\n\nDear Ms Jones\n") == area


@pytest.mark.parametrize(
    "text",
    [
        "Ms C Brown\nChief Executive\nHarrowfield City Council\n\nDear Ms Brown\n\nThe "
        "director of children's services has improved oversight.\nHarrowfield City Council has "
        "invested in recruitment, and caseloads are lower.\n",
        "The director, with Harrowfield City Council leaders, met inspectors.\n",
    ],
)
def test_a_sentence_beside_a_director_is_not_an_address(text):
    # a line after any "director" was taken whole: "Harrowfield City Council has invested in..."
    assert council(text) == "Harrowfield"


@pytest.mark.parametrize("title", ["Inspection of children’s social care services",
                                   "Inspection of children's social care services"])  # fmt: skip
def test_an_ilacs_reports_title_block_names_its_council(title):
    """An ILACS report opens with the council's name over its title; "London Borough of Tower
    Hamlets | Inspection of children's social care services" gave neither council nor visit."""
    text = f"London Borough of Tower Hamlets\n{title}\n\nInspection dates: 14 to 25 November 2022"
    meta = letter_metadata(text)
    assert (meta.council, meta.visit_type, meta.visit_date_iso) == (
        "Tower Hamlets",
        INSPECTION,
        "2022-11-25",
    )


@pytest.mark.parametrize("name", ["RB Kingston", "Royal Borough of Kingston"])
def test_a_royal_borough_of_kingston_is_kingston_upon_thames(name):
    """ "RB Kingston" was "Kingston", which is no authority (upon Hull or upon Thames?); Hull is
    no royal borough."""
    assert area_name(name) == "Kingston upon Thames"
    assert area_name("Kingston") == "Kingston"


def test_a_director_line_without_a_council_name_is_not_taken():
    text = "The Director of Children's Services, appointed in 2021, leads well.\nLowmoor Council"
    assert council(text) == "Lowmoor"


# ---------------------------------------------------------------------------------------------
# Visit type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monitoring visit to X children’s services\nUnder the ILACS framework.", MONITORING_VISIT),
        ("Focused visit to X children’s services", FOCUSED_VISIT),
        ("Inspection of Brackley local authority children’s services", INSPECTION),
        ("Lowmoor Borough\nInspection of children’s social care services", INSPECTION),
        ("This inspection was carried out under the ILACS framework.", INSPECTION),
        ("Joint targeted area inspection of the multi-agency response", JTAI),
        ("The findings of the JTAI are set out below.", JTAI),
        ("Dear Ms Hale", None),
    ],
)
def test_visit_types(text, expected):
    assert letter_metadata(text).visit_type == expected


# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "span", "iso"),
    [
        ("The visit took place on 3 May 2022.", "3 May 2022", "2022-05-03"),
        ("on 3 and 4 May 2022", "3 and 4 May 2022", "2022-05-04"),
        # the month after "of", and the week a visit began in: they were no dates, and the
        # visit's year fell back to the letter's own date, a year late for a December visit
        ("on the 12th and 13th of December 2023", "12th and 13th of December 2023", "2023-12-13"),
        ("in the w/c 11 December 2023", "11 December 2023", "2023-12-11"),
        ("in the week commencing 11 December 2023", "11 December 2023", "2023-12-11"),
        ("from 12 to 16 September 2022", "12 to 16 September 2022", "2022-09-16"),
        ("from 28 February to 3 March 2023", "28 February to 3 March 2023", "2023-03-03"),
        (
            "between 30 November and 2 December 2022",
            "between 30 November and 2 December 2022",
            "2022-12-02",
        ),
        ("Dates of inspection: 12–16 September 2022", "12–16 September 2022", "2022-09-16"),
        ("Inspection dates: 5, 6 and 7 July 2021", "5, 6 and 7 July 2021", "2021-07-07"),
        ("On 1st and 2nd March 2023 inspectors visited.", "1st and 2nd March 2023", "2023-03-02"),
        ("on 30 and 31 February 2023", "30 and 31 February 2023", None),
        ("Between 1 and 3 June 2021 inspectors met", "between 1 and 3 June 2021", "2021-06-03"),
        ("The visit was last spring.", None, None),
    ],
)
def test_visit_date_forms(text, span, iso):
    assert visit_dates(text) == (span, iso)


def test_the_letter_date_is_not_taken_for_the_visit_dates():
    text = "31 May 2022\n\nMonitoring visit to X children’s services\nThis visit on 3 May 2022."
    assert letter_metadata(text).visit_dates == "3 May 2022"


def test_a_publication_date_is_not_a_visit_date_and_a_month_alone_gives_the_year():
    published = "Focused visit to Devon children’s services\nPublication date: 10 January 2024\n"
    assert letter_metadata(published).visit_date_iso is None  # it was 2024-01-10
    month = (
        "20 January 2021\n\nFocused visit to Surrey children’s services\nThis letter "
        "summarises the focused visit to Surrey children’s services in December 2020.\n"
    )
    found = letter_metadata(month)
    assert (found.visit_dates, found.visit_date_iso) == ("December 2020", "2020")  # not 2021


def test_the_visit_is_the_latest_date_named_not_an_earlier_inspection_it_recalls():
    """Where no sentence naming the kind of visit dates it, the first date after the subject
    was taken: often an earlier inspection the letter recalls, years before."""
    text = (
        "9 August 2023\n\nFocused visit to Wigan children’s services\n"
        "Wigan was last inspected from 4 to 8 March 2019, when services were judged good.\n"
        "Inspectors carried out this visit on 4 and 5 July 2023.\n"
        "From 1 September 2023, a new team will take referrals.\n"  # after the letter: a plan
    )
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == ("4 and 5 July 2023", "2023-07-05")
    # without the letter's own date, a plan's date cannot be told from the visit's: the first
    undated = letter_metadata(text.replace("9 August 2023\n\n", ""))
    assert undated.visit_date_iso == "2019-03-08"


def test_a_reference_naming_ilacs_and_a_focused_visit_is_a_focused_visit():
    """ "Our reference: ILACS focused visit 10230045" above the subject line was read as an
    inspection: ILACS, the framework's name, was the earliest mention of a kind of visit."""
    text = (
        "Our reference: ILACS focused visit 10230045\n\nFocused visit to Suffolk children’s "
        "services\n\nThis letter summarises the findings of the focused visit.\n"
    )
    assert letter_metadata(text).visit_type == "focused visit"
    inspection = "Our reference: ILACS 10230045\n\nThe inspection found leaders act.\n"
    assert letter_metadata(inspection).visit_type == "inspection"


def test_a_labels_dates_in_figures_are_read_day_first():
    """ "Visit dates: 12/12/2023 – 13/12/2023" was passed over for "judged inadequate in June
    2022" beside the kind of visit: a year and a half early."""
    text = (
        "9 January 2024\n\nMonitoring visit to Cornwall children’s services\n"
        "Visit dates: 12/12/2023 – 13/12/2023\n"
        "This is the third monitoring visit since the local authority was judged inadequate in "
        "June 2022.\n"
    )
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == ("12/12/2023 – 13/12/2023", "2023-12-13")
    impossible = letter_metadata(text.replace("13/12/2023", "31/02/2023"))
    assert impossible.visit_date_iso != "2023-02-31"
    joined = letter_metadata(text.replace(" – ", "-"))  # a hyphen, no spaces
    assert joined.visit_date_iso == "2023-12-13"
    figures_alone = "Monitoring visit to Hull children’s services\nVisit dates: 12/12/2023\n"
    assert letter_metadata(figures_alone).visit_date_iso == "2023-12-12"  # no month's name


def test_the_next_visits_dates_are_not_the_letters_visit():
    """ "We will carry out the next monitoring visit on 12 and 13 March 2024", in a letter of
    December 2023, was taken for its visit: the latest dates in a sentence naming the kind of
    visit, a year late, unsaid."""
    text = (
        "22 December 2023\n\nMonitoring visit to Sheffield children’s services\n"
        "This letter summarises the findings of the monitoring visit to Sheffield children’s "
        "services on 5 and 6 December 2023.\n"
        "Caseloads have reduced. We will carry out the next monitoring visit on 12 and 13 March "
        "2024.\n"
    )
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == ("5 and 6 December 2023", "2023-12-06")
    # without the letter's own date: "the next" visit is one to come all the same
    assert letter_metadata(text.split("\n", 2)[2]).visit_date_iso == "2023-12-06"
    # a month to come, beside the kind of visit, is passed over too
    planned = text.replace("on 5 and 6 December 2023", "in December 2023").replace(
        "We will carry out the next monitoring visit on 12 and 13 March 2024",
        "Another monitoring visit will take place in March 2024",
    )
    found = letter_metadata(planned)
    assert (found.visit_dates, found.visit_date_iso) == ("December 2023", "2023")
    # "a further" or "another" visit is one to come, without the letter's own date too
    for words in ("A further monitoring visit", "Another monitoring visit"):
        undated = text.split("\n", 2)[2].replace(
            "We will carry out the next monitoring visit", words
        )
        assert letter_metadata(undated).visit_date_iso == "2023-12-06", words
    # the plan named first, the visit after it in a sentence not naming the kind of visit
    first = (
        "22 December 2023\n\nLeeds children’s services\nInspectors visited on 5 and 6 "
        "December 2023. The next monitoring visit will be on 12 and 13 March 2024.\n"
    )
    assert letter_metadata(first).visit_date_iso == "2023-12-06"


def test_a_visits_dates_in_figures_beside_it_are_read_day_first():
    """ "the focused visit ... on 12/12/2023 and 13/12/2023": only a label's dates in figures
    were read, so the year fell back to the letter's own date, a year late."""
    text = (
        "9 January 2024\n\nFocused visit to Kirklees children’s services\n"
        "This letter summarises the findings of the focused visit to Kirklees children’s "
        "services on 12/12/2023 and 13/12/2023.\n"
    )
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == ("12/12/2023 and 13/12/2023", "2023-12-13")


def test_a_letter_whose_visit_dates_cannot_be_read_has_the_year_of_its_own_date():
    # it rolled up under "unknown"; a letter is written within weeks of its visit
    text = "5 May 2021\n\nFocused visit to X children’s services\nInspectors visited in April 2021."
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == (None, "2021")
    assert letter_metadata(text.replace("5 May 2021", "Our ref: 5521")).visit_date_iso is None


def test_a_date_before_the_visit_is_mentioned_is_passed_over():
    text = (
        "Since a new director started on 1 April 2021, much has changed.\n"
        "Focused visit to X children’s services\nThe visit took place on 8 and 9 June 2022."
    )
    assert letter_metadata(text).visit_date_iso == "2022-06-09"


def test_the_dates_beside_the_letters_own_visit_win_over_an_earlier_visit_recalled_first():
    text = (
        "20 June 2023\n\nMonitoring visit to Wakefield children’s services\n"
        "Since the focused visit on 3 and 4 May 2021, leaders have strengthened the service. "
        "This letter summarises the findings of the third monitoring visit to Wakefield "
        "children’s services on 6 and 7 June 2023.\n"
    )
    found = letter_metadata(text)
    assert (found.visit_dates, found.visit_date_iso) == ("6 and 7 June 2023", "2023-06-07")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        (
            "Inspection of Leeds local authority children’s services\n"
            "Inspection dates: 12 to 16 September 2022\n"
            "At the last inspection of Leeds children’s services, from 5 to 9 March 2018, "
            "services were judged good.\n",
            "2022-09-16",
        ),
        (
            "Joint targeted area inspection of the multi-agency response in Leeds\n"
            "Since the previous JTAI, from 4 to 8 March 2019, partners have improved. This "
            "letter summarises the findings of the JTAI in Leeds from 5 to 9 June 2023.\n",
            "2023-06-09",
        ),
        (
            "Focused visit to Leeds children’s services\nPublication date: 20 July 2023\n"
            "This letter summarises the findings of the focused visit to Leeds on 6 and 7 June "
            "2023.\n",
            "2023-06-07",
        ),
    ],
    ids=["labelled dates before a recalled inspection", "a recalled JTAI first", "a date label"],
)
def test_a_recalled_visit_of_the_same_kind_is_not_taken_for_the_letters_own(text, iso):
    assert letter_metadata(text).visit_date_iso == iso


# ---------------------------------------------------------------------------------------------
# Judgement


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Overall effectiveness: Good", "Good"),
        ("Overall effectiveness: Requires improvement", "Requires improvement to be good"),
        ("| Overall effectiveness | Inadequate |", "Inadequate"),
        ("Overall effectiveness\nOutstanding", "Outstanding"),
        (
            "Overall effectiveness: Requires improvement to\nbe good",
            "Requires improvement to be good",
        ),
        (
            "The overall effectiveness of children’s services in Brackley is judged to be good.",
            "Good",
        ),
        ("Children’s services are good.", None),
    ],
)
def test_judgement_forms(text, expected):
    assert judgement(text) == expected


def test_a_visit_letter_quoting_an_earlier_grade_has_no_judgement():
    text = (
        "Monitoring visit to X children’s services\n"
        "At the last inspection, the overall effectiveness of services was judged inadequate."
    )
    assert letter_metadata(text).judgement is None


# ---------------------------------------------------------------------------------------------
# Real openings of published reports (tests/fixtures/openings, with their source addresses)

OPENINGS = lf.FIXTURES.parent / "openings"


FIELDS = ("council", "visit_type", "visit_dates", "visit_date", "judgement")


def real_openings() -> list[dict]:
    with (OPENINGS / "openings.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def as_expected(metadata: LetterMetadata) -> dict[str, str]:
    """Extracted metadata in the form of openings.csv (blank for None)."""
    return {
        "council": metadata.council or "",
        "visit_type": metadata.visit_type or "",
        "visit_dates": metadata.visit_dates or "",
        "visit_date": metadata.visit_date_iso or "",
        "judgement": metadata.judgement or "",
    }


@pytest.mark.parametrize("opening", real_openings(), ids=lambda row: row["file"])
def test_real_openings_yield_the_metadata_a_reader_finds(opening):
    expected = {k: opening[k] for k in FIELDS}
    metadata = letter_metadata((OPENINGS / opening["file"]).read_text(encoding="utf-8"))
    assert as_expected(metadata) == expected


@pytest.mark.parametrize("opening", real_openings(), ids=lambda row: row["file"])
def test_a_real_opening_gives_the_same_metadata_as_pdf_and_as_text(opening, tmp_path):
    text = (OPENINGS / opening["file"]).read_text(encoding="utf-8")
    from_text = document_metadata(read_document(OPENINGS / opening["file"]))
    pdf = tmp_path / "opening.pdf"
    pdf.write_bytes(lf._pdf_bytes(text, None, True, None))
    assert document_metadata(read_document(pdf)) == from_text


@pytest.mark.parametrize(
    ("written", "area"),
    [("Leeds City Council", "Leeds"), ("London Borough of Enfield", "Enfield"),
     ("Royal Borough of Windsor and Maidenhead", "Windsor and Maidenhead"),
     ("City of York Council", "York"), ("Wirral Metropolitan Borough Council", "Wirral"),
     ("Council of the Isles of Scilly", "Isles of Scilly"), ("Durham County Council", "Durham"),
     ("City of London", "City of London"), ("Lowmoor Borough Council", "Lowmoor"),
     ("St. Helens Council", "St Helens"), ("Brighton & Hove City Council", "Brighton and Hove"),
     ("County Durham Council", "Durham"), ("Durham County Council", "Durham")],
)  # fmt: skip
def test_a_council_is_named_by_its_area_however_a_letter_puts_it(written, area):
    text = f"Director of Children’s Services\n{written}\n\nDear Director"
    assert council(text) == area


# ---------------------------------------------------------------------------------------------
# The file name as a fallback


@pytest.mark.parametrize(
    ("name", "council_name", "visit_type", "year"),
    [
        ("Leeds focused visit 2019.pdf", "Leeds", FOCUSED_VISIT, "2019"),
        ("ofsted-letter-stoke-on-trent-monitoring-visit-3-2021.docx", "Stoke-on-Trent",
         MONITORING_VISIT, "2021"),
        ("Kestrel_Vale_JTAI_2023.txt", "Kestrel Vale", JTAI, "2023"),
        ("2022 ILACS report.pdf", None, INSPECTION, "2022"),
        ("letter.pdf", None, None, None),
        # a council only from a name that names the kind of visit
        ("Notes from the visit 2022.txt", None, None, "2022"),
        ("copy of letter (2).txt", None, None, None),
        ("Leeds City Council focused visit.pdf", "Leeds", FOCUSED_VISIT, None),
        ("leeds-city-council-focused-visit-2019.pdf", "Leeds", FOCUSED_VISIT, "2019"),
        ("Brighton and Hove JTAI 2020.pdf", "Brighton and Hove", JTAI, "2020"),
        ("Letter to the Isle of Wight - monitoring visit.docx", "Isle of Wight", MONITORING_VISIT,
         None),
    ],
)  # fmt: skip
def test_what_the_text_does_not_give_comes_from_the_file_name(
    name, council_name, visit_type, year, tmp_path
):
    path = tmp_path / "letter.txt"  # read as text; the name is the one the user gave
    path.write_text("Thank you for meeting inspectors.\n", encoding="utf-8")
    found = document_metadata(read_document(path), name)
    assert (found.council, found.visit_type, found.visit_date_iso) == (
        council_name, visit_type, year
    )  # fmt: skip


def test_the_text_wins_over_the_file_name(tmp_path):
    path = tmp_path / "Leeds focused visit 2019.txt"
    path.write_text((lf.FIXTURES / "monitoring_visit.txt").read_text(encoding="utf-8"))
    assert document_metadata(read_document(path), path.name) == EXPECTED["monitoring_visit"]


def test_the_mentions_found_once_are_those_of_the_text_kind_and_start_asked_for():
    """The sentences beside a visit's mentions are cached for the two questions asked of a
    letter (full dates, then months): an answer is never that of another text, kind of visit
    or place to start, in many random arrangements of mentions, dates and ends of sentences."""
    import random

    from ofsted_themes.reading.metadata import KIND_MENTIONS, _mention_regions

    pieces = [
        "the focused visit", "Focused Visit", "the monitoring visit", "JTAI", "the JTAI",
        "inspection of Leeds children’s services", "on 3 and 4 May 2022", "from 5 to 9 June 2023",
        "in December 2020", "during March 2019", "2021", "12345", "on 1 April", ". ", "! ",
        "\n", ".\n", " and ", " leaders ", "visit", "between 1 and 3 June 2021", "3.5 2024",
    ]  # fmt: skip
    rng = random.Random(7)
    found = 0
    for _ in range(1000):
        words = rng.randint(1, 30)
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(words))
        for kind in KIND_MENTIONS:
            for first in (0, len(text) // 2, 0):  # the last asks again: a cached answer
                regions = _mention_regions(text, kind, first)
                assert regions == _mention_regions.__wrapped__(text, kind, first), (kind, text)
                found += len(regions)
    assert found > 1_000


def test_a_kind_of_visit_is_found_where_its_pattern_blind_to_case_finds_it():
    """The mentions' patterns start with a class of their first letter's forms, so that a search
    skips to them: the same matches as each kind's pattern compiled blind to case, on texts of
    mentions in every case, with the letters a case-blind "i" or "k" also takes (İ ı ſ K)."""
    import random
    import re

    from ofsted_themes.reading.metadata import KIND_MENTION, KIND_MENTIONS

    pieces = [
        "Joint targeted area inspection", "JOINT TARGETED AREA INSPECTION", "jtai", "JTAI",
        "xJTAI", "JTAIs", "İnspection of Leeds children’s services", "ılacs", "ILACS", "aILACS",
        "inspection of services for children in need", "Inspection of Leeds City Council's "
        "children's services", "INSPECTION OF LOCAL AUTHORITY CHILDRENſ SERVICES", "monitoring "
        "visit", "MONİTORİNG VISIT", "focused visit", "Focuſed Visit", "FOCUSED", ". ", " ", "\n",
    ]  # fmt: skip
    rng = random.Random(11)
    found = 0
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for kind, pattern in KIND_MENTIONS.items():
            blind = [m.span() for m in re.finditer(pattern, text, re.I)]
            assert [m.span() for m in KIND_MENTION[kind].finditer(text)] == blind, (kind, text)
            found += len(blind)
    assert found > 3_000


@pytest.mark.parametrize(
    "dates",
    [
        "3 and 4 Sept 2022", "3 and 4 Sep. 2022", "3 and 4 MAY 2022", "3 & 4 May 2022",
        "the 3 and 4 May 2022", "Tuesday 3 May and Wednesday 4 May 2022", "3 and 4 May, 2022",
    ],
)  # fmt: skip
def test_visit_dates_as_letters_may_write_them_give_the_visits_year(dates, tmp_path):
    """Written so, the visit's dates were not read, and the month an earlier judgement named
    ("judged inadequate in July 2021") gave the letter its year: a year early, unsaid."""
    text = (lf.FIXTURES / "monitoring_visit.txt").read_text(encoding="utf-8")
    path = tmp_path / "letter.txt"
    text = text.replace("on 3 and 4 May 2022", f"on {dates}")
    if "Sep" in dates:  # a letter is written after its visit
        text = text.replace("31 May 2022", "30 September 2022")
    path.write_text(text, encoding="utf-8")
    found = document_metadata(read_document(path))
    assert found.visit_date_iso == ("2022-09-04" if "Sep" in dates else "2022-05-04")
    assert found.visit_dates == dates.removeprefix("the ")


def test_a_number_after_a_dates_comma_is_no_year():
    """With a comma allowed before a year, "on 4 June, 3000 children" read as 4 June 3000."""
    text = "The monitoring visit was on 4 June, 3000 children were seen. Nothing else."
    assert visit_dates(text) == (None, None)
    assert visit_dates(text.replace("3000 children", "2021. In all")) == (
        "4 June, 2021", "2021-06-04")  # fmt: skip
