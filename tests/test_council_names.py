"""A council's name as letters and people write England's real local authorities: read from the
address block or the subject line, and normalised by ``area_name`` to one name per authority."""

from __future__ import annotations

import pytest

from ofsted_themes.reading.metadata import AUTHORITY_NAMES, area_name, council, letter_metadata

BCP = "Bournemouth, Christchurch and Poole"


def trial_letter(address: str) -> str:
    """A one-line focused visit letter, as an analyst tried it, differing only in the council."""
    return (
        "Ofsted\nPiccadilly Gate\nManchester\n\n12 May 2023\n\n"
        f"Ms A Smith\nDirector of Children's Services\n{address}\nTown Hall\n\n"
        "Dear Ms Smith\n\nFocused visit to local authority children's services\n\n"
        "This letter summarises the findings of the focused visit on 2 and 3 May 2023.\n\n"
        "Social workers have manageable caseloads.\n"
    )


@pytest.mark.parametrize(
    ("address", "area"),
    [
        # the trial's four misreadings: "Poole"; "Hull" beside "Kingston upon Hull"; blank; blank
        (f"{BCP} Council", BCP),
        ("Kingston upon Hull City Council", "Kingston upon Hull"),
        ("Hull City Council", "Kingston upon Hull"),
        ("County Durham", "Durham"),
        ("Kensington and Chelsea", "Kensington and Chelsea"),
        # and those it read right
        ("Bristol City Council", "Bristol"),
        ("City of Bristol Council", "Bristol"),
        ("Durham County Council", "Durham"),
        ("Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"),
        ("London Borough of Tower Hamlets", "Tower Hamlets"),
        ("Tower Hamlets Council", "Tower Hamlets"),
        ("Borough of Poole", "Poole"),  # before it merged into BCP in 2019
        ("Cheshire West and Chester Council", "Cheshire West and Chester"),
        ("Herefordshire Council", "Herefordshire"),
        ("Isle of Wight Council", "Isle of Wight"),
        ("City of York Council", "York"),
        ("St Helens Borough Council", "St Helens"),
        ("Southend-on-Sea City Council", "Southend-on-Sea"),
        ("Bath and North East Somerset Council", "Bath and North East Somerset"),
        ("Telford & Wrekin Council", "Telford and Wrekin"),
        ("Telford and Wrekin Council", "Telford and Wrekin"),
    ],
)
def test_the_trial_letters_read_their_council(address, area):
    assert letter_metadata(trial_letter(address)).council == area


# Real authorities as an address block writes them, and the area each names
WRITTEN = [
    (f"{BCP} Council", BCP),
    ("BCP Council", BCP),
    ("Brighton and Hove City Council", "Brighton and Hove"),
    ("Brighton & Hove City Council", "Brighton and Hove"),
    ("Telford and Wrekin Council", "Telford and Wrekin"),
    ("Royal Borough of Windsor and Maidenhead", "Windsor and Maidenhead"),
    ("Bath and North East Somerset Council", "Bath and North East Somerset"),
    ("Redcar and Cleveland Borough Council", "Redcar and Cleveland"),
    ("Stockton-on-Tees Borough Council", "Stockton-on-Tees"),
    ("London Borough of Richmond upon Thames", "Richmond upon Thames"),
    ("Royal Borough of Kingston upon Thames", "Kingston upon Thames"),
    ("Newcastle upon Tyne City Council", "Newcastle upon Tyne"),
    ("Newcastle City Council", "Newcastle upon Tyne"),
    ("Southend-on-Sea City Council", "Southend-on-Sea"),
    ("Herefordshire Council", "Herefordshire"),
    ("North East Lincolnshire Council", "North East Lincolnshire"),
    ("Council of the Isles of Scilly", "Isles of Scilly"),
    ("City of London Corporation", "City of London"),
    ("City of London", "City of London"),
    ("Cheshire West and Chester Council", "Cheshire West and Chester"),
    ("Blackburn with Darwen Borough Council", "Blackburn with Darwen"),
    ("London Borough of Hammersmith and Fulham", "Hammersmith and Fulham"),
    ("London Borough of Barking and Dagenham", "Barking and Dagenham"),
    ("St. Helens Borough Council", "St Helens"),
    ("St Helens Council", "St Helens"),
    ("Kingston upon Hull City Council", "Kingston upon Hull"),
    ("Hull City Council", "Kingston upon Hull"),
    ("County Durham", "Durham"),
    ("Durham County Council", "Durham"),
    ("Kensington and Chelsea", "Kensington and Chelsea"),
    ("Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"),
    ("Westmorland and Furness Council", "Westmorland and Furness"),
]


@pytest.mark.parametrize(("written", "area"), WRITTEN)
def test_a_real_council_reads_from_the_address_block(written, area):
    assert council(trial_letter(written)) == area


@pytest.mark.parametrize(("written", "area"), WRITTEN)
def test_a_real_council_reads_from_the_subject_line(written, area):
    text = f"Dear Director\n\nInspection of {area} local authority children's services\n"
    assert council(text) == area


@pytest.mark.parametrize(("written", "area"), WRITTEN)
def test_area_name_normalises_a_council_as_a_person_writes_it(written, area):
    assert area_name(written) == area


@pytest.mark.parametrize(
    ("written", "area"),
    [
        ("Westbridge City Council", "Westbridge"),  # a name not in the table: by rule
        ("London Borough of Enfield", "Enfield"),
        ("  the Royal Borough of Kensington and Chelsea. ", "Kensington and Chelsea"),
        ("Bournemouth Christchurch and Poole", BCP),
        ("Bournemouth, Christchurch & Poole Council", BCP),
        ("HULL", "Kingston upon Hull"),
        ("Kingston Upon Hull, City of", "Kingston upon Hull"),  # the DfE's and ONS's form
        ("Bristol, City of", "Bristol"),
        ("Herefordshire, County of", "Herefordshire"),
        ("Newcastle", "Newcastle upon Tyne"),
        ("Newcastle-under-Lyme", "Newcastle-under-Lyme"),  # another place: not aliased
        ("Kingston upon Thames", "Kingston upon Thames"),  # nor is the other Kingston
        ("Leeds", "Leeds"),
        # as people shorten them in a spreadsheet: each was a council of its own
        ("Southend", "Southend-on-Sea"),
        ("East Riding", "East Riding of Yorkshire"),
        ("Stockton", "Stockton-on-Tees"),
        ("Brighton", "Brighton and Hove"),
        ("RBWM", "Windsor and Maidenhead"),
        ("Leeds CC", "Leeds"),
        ("Wigan MBC", "Wigan"),
        ("Tower Hamlets LBC", "Tower Hamlets"),
        ("LB Enfield", "Enfield"),
        ("RB Greenwich", "Greenwich"),
        ("Saint Helens", "St Helens"),
        ("LB of Enfield", "Enfield"),
        ("Windsor & Maidenhead RBC", "Windsor and Maidenhead"),
        ("RBKC", "Kensington and Chelsea"),
        ("Kingston", "Kingston"),  # upon Hull or upon Thames: left as written
        ("North", "North"),  # the start of many names: none
    ],
)
def test_area_name_forms(written, area):
    assert area_name(written) == area


@pytest.mark.parametrize("name", AUTHORITY_NAMES)
def test_every_known_authority_reads_the_same_however_it_is_written(name):
    forms = [
        f"Ms A Jones\nDirector of Children's Services\n{name}\nTown Hall\n",
        f"Ms A Jones\nDirector of Children's Services\n{name} Council\n",
        f"Inspection of {name} local authority children's services\n",
        f"Focused visit to {name} children's services\n",
        f"Leaders of {name} Council met inspectors.",  # no address block: the prose
    ]
    assert [council(text) for text in forms] == [name] * len(forms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an address line with no council word is taken only when it names an authority
        ("Director of Children's Services\nTown Hall\n\nDear Ms Jones", None),
        ("Director of Children's Services\nCounty Hall\n\nDear Ms Jones", None),
        ("Director of Children, Schools and Families\nSchools and Families\n", None),
        ("Director of Children's Services\nCivic Centre\nLowmoor Council\n", "Lowmoor"),
        # "and" joins two names in a sentence only when they make a known authority's
        ("West Yorkshire Police and Leeds City Council met inspectors.", "Leeds"),
        ("Ofsted and Harrowfield City Council agreed the plan.", "Harrowfield"),
        ("Leaders of Telford and Wrekin Council met inspectors.", "Telford and Wrekin"),
        ("Leaders of Kingston upon Hull City Council met inspectors.", "Kingston upon Hull"),
        # the title's comma and the address line's comma still end a name
        ("Director of Children's Services, Leeds City Council, Civic Hall\n", "Leeds"),
        (f"Director of Children's Services, {BCP} Council, Town Hall\n", BCP),
        (f"Director of Children's Services\n{BCP} Council, Bournemouth\n", BCP),
        # a report with no address block, or a letter to a trust: the councils of children in
        # care and of young people were taken for the council ("Care", "Youth")
        (
            "Inspection of Southwark local authority children's services\n\nMembers of the "
            "Children in Care Council meet senior leaders regularly.",
            "Southwark",
        ),
        (
            "Chief Executive\nBirmingham Children's Trust\n\nMonitoring visit to Birmingham "
            "children's services\n\nThe Youth Council has shaped the offer.",
            "Birmingham",
        ),
        (
            "Focused visit to Ashmoor children's services\n\nThe Children in Care Council meets "
            "leaders.",
            "Ashmoor",
        ),
        (
            "Focused visit to Ashmoor children's services\n\nThe Children In Care Council and "
            "the Young People's Council meet leaders.",
            "Ashmoor",
        ),
        # a known authority named later outranks an earlier name that is none
        (
            "The Harbour Council of Churches met inspectors.\n\nFocused visit to Wigan "
            "children's services",
            "Wigan",
        ),
        ("The Harbour Council of Churches met inspectors.", "Harbour"),  # nothing better
    ],
)
def test_what_is_and_is_not_a_council(text, expected):
    assert council(text) == expected


def test_a_pattern_is_passed_over_only_where_it_could_not_match(project_root):
    """REQUIRED_WORDS: each pattern's words are in every match it finds in letters, reports and
    openings, so a text without them loses no match by not being searched."""
    from ofsted_themes.reading import metadata

    folders = ["tests/fixtures/letters", "tests/fixtures/openings", "inbox"]
    texts = [f.read_text() for d in folders for f in sorted((project_root / d).glob("*.txt"))]
    texts += ["Leeds City Council\nInspection of services for children in need of help"]
    texts += ["London Borough of Tower Hamlets\nInspection of children’s social care services"]
    found = 0
    for pattern, words in metadata.REQUIRED_WORDS.items():
        for text in texts:
            for match in pattern.finditer(text):
                assert words in match.group(), (pattern.pattern, match.group())
                found += 1
    assert found >= 10
