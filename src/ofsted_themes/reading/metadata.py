"""Letter metadata (council, visit type, visit dates, overall judgement) from a letter's text.

Ofsted letters are formulaic: an address block naming the director of children's services and
the council, a subject line naming the kind of visit, a first paragraph giving the dates, and for
full inspections a table of judgements. Readable regular expressions over that furniture are
enough; a field that cannot be found is None rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ofsted_themes.reading.document import Document

INSPECTION = "inspection"
MONITORING_VISIT = "monitoring visit"
FOCUSED_VISIT = "focused visit"
JTAI = "joint targeted area inspection"
VISIT_TYPES = (INSPECTION, MONITORING_VISIT, FOCUSED_VISIT, JTAI)

CHILDRENS = r"(?i:children[’'`]?s)"
MONTHS = (
    "January February March April May June July August September October November December"
).split()
MONTH_STEMS = tuple(m[:3].lower() for m in MONTHS)  # a month's number: its stem's place + 1
# a month as letters write it: in full or cut short ("Sept", "Sep.", "Jan"), in any case ("MAY")
MONTH = rf"(?i:{'|'.join(MONTHS)}|(?:Sept|{'|'.join(s for s in MONTH_STEMS if s != 'may')})\.?)"
# a capitalised word of a place name: "Kestrel", "Stoke-on-Trent", and "St." of "St. Helens"
NAME_WORD = r"(?:St\.|[A-Z][\w’'-]*)"

# The address block: a director's title ("Director of Children's Services", "Director of Children
# and Families", "Corporate Director of People", "Director of Families, Children and Learning"),
# the council after a comma on that line or on the next line (looked at, not consumed: the next
# line may be another director's, a joint inspection's letter going to several councils).
DIRECTOR_LINE = re.compile(
    r"^[ \t]*(?:[\w’'-]+[ \t]+){0,3}(?i:director)\b(?P<title>[^\n]*)(?=\n[ \t]*(?P<next>[^\n]*))?",
    re.M,
)
LOOKS_LIKE_COUNCIL = re.compile(r"\b(?:Council|Borough of|City of|County of)\b")
# an address line that is a name, not a sentence: capitalised words and the small words that
# join them ("Telford and Wrekin Council", "Council of the Isles of Scilly", "St. Helens",
# "Blackburn with Darwen")
NAME_LINE = re.compile(
    r"(?:[A-Z][\w’'.-]*|and|of|on|upon|with|the|&)"
    r"(?:[ \t]+(?:[A-Z][\w’'.-]*|and|of|on|upon|with|the|&))*"
)

# England's 153 local authorities with children's services (as of 2023), and four merged away
# since that older letters name (the last line). Needed only where the words alone cannot tell:
# an address line with no "Council" in it ("County Durham", "Kensington and Chelsea", where
# "Town Hall" is no council), and a name joined by small words in a sentence ("Leaders of
# Telford and Wrekin Council", where "and" also joins "West Yorkshire Police and Leeds City
# Council"). An authority not here is still read wherever "Council", "Borough of" or a subject
# line names it.
AUTHORITIES = """
Barking and Dagenham; Barnet; Bexley; Brent; Bromley; Camden; City of London; Croydon; Ealing;
Enfield; Greenwich; Hackney; Hammersmith and Fulham; Haringey; Harrow; Havering; Hillingdon;
Hounslow; Islington; Kensington and Chelsea; Kingston upon Thames; Lambeth; Lewisham; Merton;
Newham; Redbridge; Richmond upon Thames; Southwark; Sutton; Tower Hamlets; Waltham Forest;
Wandsworth; Westminster;
Barnsley; Birmingham; Bolton; Bradford; Bury; Calderdale; Coventry; Doncaster; Dudley; Gateshead;
Kirklees; Knowsley; Leeds; Liverpool; Manchester; Newcastle upon Tyne; North Tyneside; Oldham;
Rochdale; Rotherham; St Helens; Salford; Sandwell; Sefton; Sheffield; Solihull; South Tyneside;
Stockport; Sunderland; Tameside; Trafford; Wakefield; Walsall; Wigan; Wirral; Wolverhampton;
Cambridgeshire; Derbyshire; Devon; East Sussex; Essex; Gloucestershire; Hampshire; Hertfordshire;
Kent; Lancashire; Leicestershire; Lincolnshire; Norfolk; Nottinghamshire; Oxfordshire;
Staffordshire; Suffolk; Surrey; Warwickshire; West Sussex; Worcestershire;
Bath and North East Somerset; Bedford; Blackburn with Darwen; Blackpool;
Bournemouth, Christchurch and Poole; Bracknell Forest; Brighton and Hove; Bristol;
Buckinghamshire; Central Bedfordshire; Cheshire East; Cheshire West and Chester; Cornwall;
Cumberland; Darlington; Derby; Dorset; Durham; East Riding of Yorkshire; Halton; Hartlepool;
Herefordshire; Isle of Wight; Isles of Scilly; Kingston upon Hull; Leicester; Luton; Medway;
Middlesbrough; Milton Keynes; North East Lincolnshire; North Lincolnshire;
North Northamptonshire; North Somerset; North Yorkshire; Northumberland; Nottingham;
Peterborough; Plymouth; Portsmouth; Reading; Redcar and Cleveland; Rutland; Shropshire; Slough;
Somerset; South Gloucestershire; Southampton; Southend-on-Sea; Stockton-on-Tees; Stoke-on-Trent;
Swindon; Telford and Wrekin; Thurrock; Torbay; Warrington; West Berkshire; West Northamptonshire;
Westmorland and Furness; Wiltshire; Windsor and Maidenhead; Wokingham; York;
Bournemouth; Poole; Cumbria; Northamptonshire
"""
AUTHORITY_NAMES = [" ".join(name.split()) for name in AUTHORITIES.split(";")]
# Each name joined by small words, as a letter may write it ("Telford & Wrekin"); the commas of
# Bournemouth, Christchurch and Poole are gone by then (see COMMA_NAME).
JOINED_AUTHORITY = "|".join(
    r"[ \t]+".join("(?:and|&)" if word == "and" else re.escape(word) for word in name.split())
    for name in (name.replace(",", "") for name in AUTHORITY_NAMES)
    if re.search(r" [a-z]", name)
)
# "Harrowfield City Council", "Lowmoor Borough Council", "Kestrel Vale Council"
NAMED_COUNCIL = re.compile(rf"(?P<council>(?:{NAME_WORD}[ \t]){{1,5}}Council)\b")
# A known authority's name whole where the words above end it ("Telford and Wrekin Council",
# "Kingston upon Hull City Council"): looked for only just before a name they found, as trying
# every authority at every character of a letter would cost more than the rest of its reading
JOINED_COUNCIL = re.compile(
    rf"(?P<council>(?:{JOINED_AUTHORITY})[ \t](?:{NAME_WORD}[ \t]){{0,2}}Council)$"
)
JOINED_REACH = 80  # characters before a found name: the longest joined authority and then some
# The one English council with commas in its name. An address line is cut at its commas
# ("Redcar and Cleveland Borough Council, Redcar"), and a rule letting commas into a name would
# take "Town Hall, Bristol City Council" whole; so this name loses its commas before the reading
# (area_name gives them back).
COMMA_NAME = re.compile(r"\bBournemouth,[ \t]*Christchurch,?[ \t]+(?:and|&)[ \t]+Poole\b")
# "Monitoring visit to Harrowfield children's services", "Inspection of Eastmere local authority
# children's services". Only the keywords ignore case: a place name is capitalised.
SUBJECT_COUNCIL = re.compile(
    rf"(?i:visit to|inspection of)[ \t]+(?:the[ \t]+)?"
    rf"(?P<council>{NAME_WORD}(?:[ \t]+(?:and|of|on|upon|with|the|{NAME_WORD}))*?)"
    rf"[ \t]+(?i:local authority[ \t]+)?{CHILDRENS} (?i:services)"
)
# "Joint targeted area inspection of the multi-agency response to ... in Kestrel Vale" (or "in
# Brighton and Hove", "in Kingston upon Hull": a small word joins two capitalised ones); not a
# when ("the joint targeted area inspection in July 2019") nor the country.
NOT_AN_AREA = rf"(?!(?i:{MONTH}|Sept|England)\b)"
JTAI_AREA = re.compile(
    rf"(?i:joint targeted area inspection)[^\n]*?\bin[ \t]+(?:the[ \t]+)?{NOT_AN_AREA}"
    rf"(?P<council>{NAME_WORD}(?:[ \t]+(?:(?:and|of|on|upon|with)[ \t]+)?{NAME_WORD})*)"
)
# The title block of an inspection report: the council's name, then the report's title, on the
# next line or the same one where the text was flattened: "Inspection of services for children
# in need of help and protection" (the single inspection framework's), "Inspection of
# children's social care services" (ILACS's: "London Borough of Tower Hamlets | Inspection of
# children's social care services" had no council).
REPORT_TITLES = rf"Inspection of (?:services for children in need|{CHILDRENS} social care services)"
SIF_SUBJECT = re.compile(
    rf"(?:^|\n)[ \t]*(?P<council>{NAME_WORD}(?:[ \t]+(?:and|of|upon|on|with|{NAME_WORD})){{0,5}})"
    rf"[ \t]*\n?[ \t]*{REPORT_TITLES}"
)
# Never a council's name: "Single inspection of LA children's services"; nor the councils of
# children in care and of young people, which letters name ("Children in Care Council", "the
# Children In Care Council", "Young People's Council", "Youth Council")
NOT_A_NAME = {"la", "local authority", "the local authority"}
CHILDRENS_COUNCIL = re.compile(
    r"(?:^|\s)(?:care|youth|young\s+people[’']?s?|children[’']?s?)$", re.I
)
# Words a pattern cannot match without, as they stand: a letter without them is passed over by a
# substring test, where the pattern would be tried at every character of it
REQUIRED_WORDS = {
    NAMED_COUNCIL: "Council",
    SIF_SUBJECT: "Inspection of ",
}
NOT_PART_OF_NAME = re.compile(r"^(?:The|Dear|In|At|And)\s+")
SPACES = re.compile(r"\s+")

# The earliest mention decides: the subject line comes before any mention of earlier visits. At
# one position the alternatives are tried in order, so the JTAI is not taken for an inspection.
KIND_MENTIONS = {
    "jtai": r"joint targeted area inspection|\bJTAI\b",
    "monitoring": r"monitoring visit",
    "focused": r"focused visit",
    # ILACS's title names "children's social care services"; "ILACS focused visit" is a visit
    "inspection": rf"inspection of (?:[\w’'-]+ ){{0,6}}?(?:local authority )?{CHILDRENS} "
    r"(?:social care )?services|\bILACS\b(?!\s+focused)(?!\s+monitoring)"
    r"|inspection of services for children in need",
}
VISIT_TYPE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in KIND_MENTIONS.items()), re.I)
# what a letter matches blind to case: "i" takes "İ" and "ı" too (and "s" "ſ", "k" the Kelvin sign)
BLIND_TO_CASE = {"i": "Iiİı", "j": "Jj", "m": "Mm", "f": "Ff"}


def _first_letter_first(pattern: str) -> str:
    """``pattern`` (alternatives that all start with one letter, a word boundary before some)
    as a class of that letter's forms, then the rest blind to case: a search of a long report
    then skips in C to the letters that can start a mention, where a pattern blind to case
    from its first character is tried at every character (a tenth of the time, tested equal)."""
    alternatives = pattern.split("|")  # (no kind's pattern has a group of alternatives)
    letter = alternatives[0].removeprefix(r"\b")[0].lower()
    if any(a.removeprefix(r"\b")[0].lower() != letter for a in alternatives):
        raise ValueError(f"the alternatives of {pattern!r} start with different letters")
    rests = [
        (r"(?<!\w.)" if a.startswith(r"\b") else "") + a.removeprefix(r"\b")[1:]
        for a in alternatives
    ]
    return f"[{BLIND_TO_CASE[letter]}](?i:{'|'.join(rests)})"


# each kind alone, to find its later mentions without trying the others at every character
KIND_MENTION = {kind: re.compile(_first_letter_first(p)) for kind, p in KIND_MENTIONS.items()}
GROUP_TYPES = {
    "jtai": JTAI,
    "monitoring": MONITORING_VISIT,
    "focused": FOCUSED_VISIT,
    "inspection": INSPECTION,
}

# a day of the month, after its weekday if the letter names it ("Tuesday 3 May")
WEEKDAY = r"(?:(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?"
DAY = rf"{WEEKDAY}\d{{1,2}}(?:st|nd|rd|th)?"
# the month after its day: "3 May", "3rd of May"
OF_MONTH = rf"\s+(?:(?i:of)\s+)?(?:{MONTH})"
# "4 May 2022", "4 May, 2022" (after a comma, a year of this century or the last: "on 4 June,
# 2000 children were seen" names no year)
YEAR_AFTER = r"(?:\s+|,\s+(?=(?:19|20)\d\d\b))\d{4}"
SOME_DATE = rf"{DAY}(?:{OF_MONTH})?(?:{YEAR_AFTER})?"
DATE_JOIN = r"\s*(?:,\s*and|,|and|&|to|until|–|—|-)\s*"
# "Inspection dates:", "Dates of the visit:": a report's label of its own visit's dates (not any
# date, such as "Publication date:")
DATES_LABEL = r"(?i:(?:inspection|visit)\s+dates?|dates?\s+of\s+(?:the\s+)?(?:inspection|visit)):"
# the week a visit began in: "w/c 11 December 2023", "week commencing 11 December 2023"
WEEK_OF = r"(?<!\w)(?i:w/c|w/b|week\s+(?:commencing|beginning))\s+(?:(?i:the)\s+)?"
# "on 3 and 4 May 2022", "from 12 to 16 September 2022", "between 27 February and 3 March 2023",
# "on the 12th and 13th of December 2023", "Inspection dates: 12 to 16 September 2022"
# "between" stays in the span: "22 and 26 January 2024" alone reads as two days
VISIT_DATES = re.compile(
    rf"(?:\b(?:(?i:on|from)|{DATES_LABEL})\s+(?:(?i:the)\s+)?|(?=\b(?i:between)\s)|{WEEK_OF})"
    rf"(?P<span>(?:(?i:between)\s+)?(?:{SOME_DATE}{DATE_JOIN})*{DAY}{OF_MONTH}{YEAR_AFTER})"
)
LABELLED_DATES = re.compile(
    rf"\b{DATES_LABEL}\s+(?P<span>(?:{SOME_DATE}{DATE_JOIN})*{DAY}{OF_MONTH}{YEAR_AFTER})"
)
# "Visit dates: 12/12/2023 – 13/12/2023": a label's dates in figures, day first as in England
NUMERIC_DATE = r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>(?:19|20)\d\d)\b"
FIGURES_DATE = re.compile(NUMERIC_DATE)
LABELLED_FIGURES = re.compile(
    rf"\b{DATES_LABEL}\s+(?P<span>(?:\d{{1,2}}/\d{{1,2}}/\d{{4}}{DATE_JOIN})*{NUMERIC_DATE})"
)
# "the monitoring visit on 12/12/2023 and 13/12/2023": dates in figures in the sentence naming
# the visit, as in a label's
VISIT_FIGURES = re.compile(
    rf"\b(?i:on|from|between)\s+(?P<span>(?:\d{{1,2}}/\d{{1,2}}/\d{{4}}{DATE_JOIN})*{NUMERIC_DATE})"
)
# "the focused visit in December 2020": a month and a year, where no day is given
MONTH_YEAR = re.compile(rf"\b(?i:in|during)\s+(?P<span>(?P<month>{MONTH})\s+(?P<year>\d{{4}}))")
# A letter's own date, on a line of its own near its top ("20 June 2023", "Tuesday 5 May 2021")
LETTER_DATE = re.compile(
    rf"(?m)^[ \t]*(?:[A-Z][a-z]+day,?[ \t]+)?{DAY}[ \t]+(?:{MONTH})[ \t]+(?P<year>\d{{4}})[ \t]*$"
)
LETTER_TOP = 2000  # characters: a letter's date is above its first paragraphs
LAST_DATE = re.compile(
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:(?i:of)\s+)?(?P<month>{MONTH}),?\s+(?P<year>\d{{4}})"
)

GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires improvement": "Requires improvement to be good",
    "requires improvement to be good": "Requires improvement to be good",
    "inadequate": "Inadequate",
}
GRADE = r"(?P<grade>outstanding|good|requires\s+improvement(?:\s+to\s+be\s+good)?|inadequate)\b"
# "Overall effectiveness: Good", a table row "| Overall effectiveness | Good |", or the two
# cells on lines of their own.
LABELLED_JUDGEMENT = re.compile(rf"overall effectiveness[ \t]*(?:[:|\t\n–-][ \t]*)+{GRADE}", re.I)
# "The overall effectiveness of children's services in X is judged to be good."
PROSE_JUDGEMENT = re.compile(rf"overall effectiveness\b[^.\n]{{0,120}}?\b{GRADE}", re.I)
# A single inspection framework report: "The overall judgement is that children's services are
# good" (or "... require improvement").
SIF_JUDGEMENT = re.compile(
    rf"overall judgement is that (?:the )?{CHILDRENS}\s+services\s+"
    r"(?:are\s+(?P<grade>outstanding|good|inadequate)\b|(?P<improve>requires?\s+improvement))",
    re.I,
)
# An inspection report's opening: "Services to children and families in X are inadequate."
OPENING_JUDGEMENT = re.compile(
    r"\bservices (?:to|for) children(?: and (?:families|young people))? in [^.\n]{1,80}? "
    rf"(?:are|is) {GRADE}",
    re.I,
)


@dataclass(frozen=True)
class LetterMetadata:
    """What a letter is about; None where the text does not say."""

    council: str | None
    visit_type: str | None  # one of VISIT_TYPES
    visit_dates: str | None  # as written, e.g. "3 and 4 May 2022"
    visit_date_iso: str | None  # the last day of the visit, e.g. "2022-05-04"
    judgement: str | None  # overall effectiveness, for inspections only


def letter_metadata(text: str) -> LetterMetadata:
    """Metadata of a letter from its text (one paragraph per line, as reading.document gives)."""
    visit = VISIT_TYPE.search(text)
    visit_type = GROUP_TYPES[visit.lastgroup] if visit and visit.lastgroup else None
    span, iso = visit_dates(text, visit)
    return LetterMetadata(
        council=council(text),
        visit_type=visit_type,
        visit_dates=span,
        visit_date_iso=iso or letter_year(text),
        judgement=judgement(text) if visit_type in (None, INSPECTION) else None,
    )


def document_metadata(document: Document, file_name: str | None = None) -> LetterMetadata:
    """Metadata of a letter read by ``documents.read_document``; what its text does not give is
    taken from ``file_name`` when one is given ("Leeds focused visit 2019.pdf")."""
    found = letter_metadata(document.text)
    return found if file_name is None else with_file_name_fallback(found, file_name)


# A file name's words that name the kind of visit, and words that name neither it nor a council.
FILE_VISIT_WORDS = [
    (re.compile(r"\bjtai\b|joint[ _-]+targeted", re.I), JTAI),
    (re.compile(r"\bmonitoring\b", re.I), MONITORING_VISIT),
    (re.compile(r"\bfocused\b", re.I), FOCUSED_VISIT),
    (re.compile(r"\b(?:ilacs|sif|inspection)\b", re.I), INSPECTION),
]
FILE_NOISE = re.compile(
    r"\b(?:ilacs|sif|jtai|joint|targeted|area|inspection|monitoring|focused|visit|letter|report|"
    r"ofsted|final|draft|children'?s?|services?)\b|\d+",
    re.I,
)
# small words left at either end once the noise is gone ("letter to Leeds"); between two words
# they are the name's own ("Brighton and Hove", "Isle of Wight")
FILE_NAME_ENDS = re.compile(
    r"^(?:(?:of|to|the|and|on)(?: |$))+|(?:(?:^| )(?:of|to|the|and|on))+$", re.I
)
FILE_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def with_file_name_fallback(found: LetterMetadata, file_name: str) -> LetterMetadata:
    """``found`` with its blanks filled from the file name: the kind of visit from its words, the
    year of the visit, and, in a name that names the kind of visit, the council from the words
    left (three letters or more): "Notes from the visit 2022.txt" names no council. The date is
    then the year alone."""
    stem = Path(file_name).stem.replace("_", " ")
    named = next((kind for pattern, kind in FILE_VISIT_WORDS if pattern.search(stem)), None)
    year = FILE_YEAR.search(stem)
    return LetterMetadata(
        council=found.council or (_council_in_file_name(stem) if named else None),
        visit_type=found.visit_type or named,
        visit_dates=found.visit_dates,
        visit_date_iso=found.visit_date_iso or (year.group() if year else None),
        judgement=found.judgement,
    )


def _council_in_file_name(stem: str) -> str | None:
    words = re.sub(r"[^\w'\- ]+|(?<!\w)-|-(?!\w)", " ", FILE_NOISE.sub(" ", stem))
    words = FILE_NAME_ENDS.sub("", SPACES.sub(" ", words).strip())
    if words.islower():  # "leeds-focused-visit.pdf": capitalised as a name
        words = words.title()
    return area_name(words) if len(re.sub(r"[^A-Za-z]", "", words)) >= 3 else None


def council(text: str) -> str | None:
    """The council, most reliable source first: the address block, a "... Council" name, a
    report's title block, the subject line, then the area of a joint inspection. An address
    line without "Council" in it ("County Durham") is taken when it names a known authority.
    Past the address block, a known authority outranks a name that is none ("Children in Care
    Council", a report's or a trust's letter with no council's address); failing one, the
    first such name is taken (an authority under a name not listed, or made up)."""
    if "Bournemouth" in text:  # a substring test first: the pattern would try every character
        text = COMMA_NAME.sub("Bournemouth Christchurch and Poole", text)
    addressed = _addressed_councils(text)
    if len(addressed) > 1 and (area := _jtai_area(text)) in addressed:
        return area  # a joint inspection's letter to each council of an area: its title's
    if addressed:
        return addressed[0]
    first = None  # the first name found that is none of the authorities, if none is
    for pattern in (NAMED_COUNCIL, SIF_SUBJECT, SUBJECT_COUNCIL, JTAI_AREA):
        if REQUIRED_WORDS.get(pattern, "") not in text:
            continue
        for found in pattern.finditer(text):
            if pattern is NAMED_COUNCIL:
                found = _joined(text, found) or found
            name = area_name(found["council"])
            if name in KNOWN_AUTHORITIES:
                return name
            if first is None and name.lower() not in NOT_A_NAME:
                first = None if CHILDRENS_COUNCIL.search(name) else name
    return first


def _addressed_councils(text: str) -> list[str]:
    """The councils the address block names, in order ("Director of Children's Services,
    Leeds City Council"), each once: a joint inspection's letter may go to two or more."""
    found: list[str] = []
    for match in DIRECTOR_LINE.finditer(text):
        for part in [*match["title"].split(",")[1:], (match["next"] or "").split(",")[0]]:
            part = part.strip(" .;:")
            if NAME_LINE.fullmatch(part) and (
                LOOKS_LIKE_COUNCIL.search(part) or area_name(part) in KNOWN_AUTHORITIES
            ):
                found.append(area_name(part))
                break  # one council a director
    return list(dict.fromkeys(found))


def _jtai_area(text: str) -> str | None:
    """The area a joint targeted area inspection's title names, as an authority is named."""
    if REQUIRED_WORDS.get(JTAI_AREA, "") not in text:
        return None
    found = JTAI_AREA.search(text)
    return area_name(found["council"]) if found else None


def _joined(text: str, found: re.Match) -> re.Match | None:
    """The known authority joined by small words that ends where ``found`` ends, if any."""
    return JOINED_COUNCIL.search(text[max(0, found.start() - JOINED_REACH) : found.end()])


def visit_dates(text: str, visit: re.Match | None = None) -> tuple[str | None, str | None]:
    """The dates of the visit as written and the ISO date of its last day: those a report
    labels ("Inspection dates: 12 to 16 September 2022"); else the latest in a sentence that
    names the letter's own kind of ``visit`` ("the findings of the monitoring visit to Leeds on
    6 and 7 June 2023"), as an earlier visit a letter recalls ("Since the focused visit on 3 May
    2021", "the previous JTAI, from 4 to 8 March 2019") is before its own; else the latest month
    in such a sentence ("the focused visit in December 2020": the year alone); else the latest
    after the visit is first named and not after the letter's own date ("Leeds was last
    inspected from 4 to 8 March 2019. Inspectors carried out this visit on 4 and 5 July
    2023."), or the first where the letter's own date is not known."""
    labelled = _labelled_dates(text)
    lowered = text.lower()
    # a date names its month, in words, or in figures after a label or beside the visit
    if labelled is None and not any(stem in lowered for stem in MONTH_STEMS) and "/" not in text:
        return None, None
    found = labelled or (_latest_beside(text, visit) if visit else None)
    if found is None and visit and (month := _latest_month_beside(text, visit)):
        return month["span"], month["year"]
    found = found or _latest_dates(text, visit.start() if visit else 0)
    if found is None and visit and visit.start():  # from 0 the one search looked everywhere
        found = _latest_dates(text, 0)
    if found is None:
        return None, None
    span = _span(found)
    if span[:8].lower() == "between ":  # a sentence's first word keeps no capital here
        span = "between " + span[8:]
    return span, last_day(span)


# a sentence's end, but not a month's cut short ("on 3 and 4 Sept. 2022")
# (the full stop matched first, then what stands before it: tried only at full stops)
SHORT_MONTH_STOP = "".join(rf"(?<!\b(?i:{m})\.)" for m in ("sept", *MONTH_STEMS) if m != "may")
SENTENCE_END = re.compile(rf"[.!?]{SHORT_MONTH_STOP}(?:\s|$)|\n")


def _latest_dates(text: str, start: int) -> re.Match | None:
    """The latest of the dates VISIT_DATES finds from ``start`` on that are real dates and not
    after the letter's own date (a letter recalls earlier visits, and dates after it are of
    plans); the first found where the letter gives no date of its own, or none is real."""
    latest = _letter_date(text)
    if latest is None:  # what is after the letter cannot be told: the first, as it names it
        return VISIT_DATES.search(text, start)
    found = list(VISIT_DATES.finditer(text, start))
    real = {f: iso for f in found if (iso := last_day(_span(f)))}
    dated = {f: iso for f, iso in real.items() if iso <= latest}
    if dated:
        return max(dated, key=dated.__getitem__)
    # none a real date ("30 and 31 February"): the first, as written, with no ISO date; real
    # dates all after the letter's are of plans, none its visit's
    return None if real else next(iter(found), None)


def _labelled_dates(text: str) -> re.Match | None:
    """LABELLED_DATES, looked for only in a text that says "date" at all: the pattern, case
    blind, is tried at every word of a letter that does not."""
    if "date" not in text and "Date" not in text and "DATE" not in text:
        return None
    return LABELLED_DATES.search(text) or LABELLED_FIGURES.search(text)


def _span(found: re.Match) -> str:
    return SPACES.sub(" ", found["span"])


@lru_cache(maxsize=4)  # asked for by each way of finding the visit's dates, of one letter
def _letter_date(text: str) -> str | None:
    """The ISO date of the letter's own date, if it gives one near its top."""
    written = LETTER_DATE.search(text, 0, LETTER_TOP)
    return last_day(written.group()) if written else None


def _latest_beside(text: str, visit: re.Match) -> re.Match | None:
    """The latest full dates in a sentence that names the kind of ``visit``, after that
    mention, and not after the letter's own date: "the next monitoring visit on 12 and 13 March
    2024" in a letter of December 2023 is a plan, not its visit."""
    latest = _letter_date(text) or "9999"
    found = _beside(text, visit, VISIT_DATES) + _beside(text, visit, VISIT_FIGURES)
    dated = {d: iso for d in found if (iso := last_day(_span(d))) and iso <= latest}
    return max(dated, key=dated.__getitem__, default=None)


def _latest_month_beside(text: str, visit: re.Match) -> re.Match | None:
    """The latest month and year in such a sentence, not after the letter's own month."""
    latest = (_letter_date(text) or "9999")[:7]
    months = [
        m
        for m in _beside(text, visit, MONTH_YEAR)
        if f"{m['year']}-{month_number(m['month']):02d}" <= latest
    ]
    return max(months, key=lambda m: (m["year"], month_number(m["month"])), default=None)


def _beside(text: str, visit: re.Match, pattern: re.Pattern) -> list[re.Match]:
    """The matches of ``pattern`` in the rest of each sentence that names the kind of
    ``visit``, after its first mention there."""
    found: list[re.Match] = []
    for start, end in _mention_regions(text, visit.lastgroup or "", visit.start()):
        found += pattern.finditer(text, start, end)
    return found


# "the next monitoring visit": a visit to come, whose dates are not the letter's visit's
PLANNED = re.compile(r"\b(?i:next|future|forthcoming|further|another|subsequent)\s+$")


def _planned(text: str, at: int) -> bool:
    """Whether the mention of a visit at ``at`` is of one to come (PLANNED just before it)."""
    return bool(PLANNED.search(text, max(0, at - 20), at))


@lru_cache(maxsize=4)  # asked for full dates, then for months, of the same letter
def _mention_regions(text: str, kind: str, first: int) -> tuple[tuple[int, int], ...]:
    """From the first mention of ``kind`` in each sentence (from ``first`` on) to the sentence's
    end: the mentions found once for both questions, the most of their cost in a long report
    being the case-blind search for them."""
    regions: list[tuple[int, int]] = []
    searched_to = -1
    for mention in KIND_MENTION[kind].finditer(text, first):
        if mention.start() < searched_to or _planned(text, mention.start()):
            continue
        end = SENTENCE_END.search(text, mention.end())
        searched_to = end.start() if end else len(text)
        regions.append((mention.end(), searched_to))
    return tuple(regions)


def month_number(name: str) -> int:
    """1 for "January", "Jan", "jan." or "JANUARY"; and so on."""
    return MONTH_STEMS.index(name[:3].lower()) + 1


def letter_year(text: str) -> str | None:
    """The year of a letter's own date, for a letter whose visit dates cannot be read ("in
    April 2021"): a letter is written within weeks of its visit."""
    found = LETTER_DATE.search(text, 0, LETTER_TOP)
    return found["year"] if found else None


def judgement(text: str) -> str | None:
    """The overall effectiveness grade, in Ofsted's wording; None when not given."""
    sif = SIF_JUDGEMENT.search(text)
    if sif:
        return GRADES[sif["grade"].lower()] if sif["grade"] else GRADES["requires improvement"]
    found = (
        LABELLED_JUDGEMENT.search(text)
        or PROSE_JUDGEMENT.search(text)
        or OPENING_JUDGEMENT.search(text)
    )
    return GRADES[SPACES.sub(" ", found["grade"]).lower()] if found else None


def written_date(value: str) -> str | None:
    """The ISO date of ``value`` when it is one date as letters write it ("4 May 2022", "4th
    Sept. 2022") or as a spreadsheet in England does (04/05/2022, day first), whole; else
    None."""
    value = re.sub(rf"^\s*{WEEKDAY}", "", value).strip()  # "Wednesday 4 May 2022"
    found = LAST_DATE.fullmatch(value) or FIGURES_DATE.fullmatch(value)
    return last_day(found.group()) if found else None


def last_day(span: str) -> str | None:
    """The ISO date of the last full date in ``span``, in words or in figures day first: the
    last day of visit dates as written ("4 and 5 July 2023", "12/12/2023 – 13/12/2023"); None
    where they give no whole, real date."""
    words = list(LAST_DATE.finditer(span))
    if words:
        return _real_date(words[-1]["year"], month_number(words[-1]["month"]), words[-1]["day"])
    *_, figures = [None, *FIGURES_DATE.finditer(span)]
    return _real_date(figures["year"], figures["month"], figures["day"]) if figures else None


def _real_date(year: str, month: str | int, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


# A kind of visit as a person writes it in a table, by the first of these words it holds: "JTAI",
# "Monitoring", "MV", "ILACS focused visit", "FV", "Full inspection", "ILACS", "SIF"
WRITTEN_KINDS = [
    (re.compile(r"\bjtai\b|joint\s+targeted", re.I), JTAI),
    (re.compile(r"\bmonitoring\b|^mv$", re.I), MONITORING_VISIT),
    (re.compile(r"\bfocused\b|^fv$", re.I), FOCUSED_VISIT),
    # an inspection of the council's services, not of another kind ("Area SEND inspection",
    # "Inspection of children's homes": kept as written)
    (
        re.compile(
            r"\bilacs\b|\bsif\b|^(?:(?:full|standard|short|single)\s+)?inspection$"
            rf"|^inspection\s+of\s+(?:the\s+)?(?:local\s+authority\s+)?{CHILDRENS}\s+services",
            re.I,
        ),
        INSPECTION,
    ),
]


def visit_kind(written: str) -> str:
    """A kind of visit as the summary names it ("Monitoring Visit", "MV", "ILACS" are
    `monitoring visit`, `monitoring visit`, `inspection`), so that one kind rolls up as one;
    any other kind (an assurance visit) as written."""
    written = " ".join(written.split())
    return next((kind for words, kind in WRITTEN_KINDS if words.search(written)), written)


def area_name(name: str) -> str:
    """The area a council name names, without surrounding spaces, punctuation, a leading
    article or the words for the kind of council: one area, one name, however a letter or a
    person puts it ("Leeds City Council", "Leeds"; "London Borough of Enfield", "Enfield";
    "Bristol, City of", "Bristol"; "Hull City Council", "Kingston upon Hull")."""
    name = NOT_PART_OF_NAME.sub("", SPACES.sub(" ", name).strip(" .,;:"))
    name = SAINT.sub("St ", name.replace(" & ", " and "))  # "St. Helens", "Brighton & Hove"
    area = COUNCIL_WORDS.sub("", name).strip(" ,-") or name
    if _name_key(area) == "kingston" and ROYAL.match(name):  # Hull is no royal borough
        return "Kingston upon Thames"
    return ALIASES.get(_name_key(area), area)


def _name_key(name: str) -> str:
    """A name as compared with another: case, spaces, "&", full stops, commas and hyphens aside
    ("St. Helens", "Telford & Wrekin", "Stoke on Trent", "Kingston Upon Hull")."""
    return " ".join(re.sub(r"[.,-]", " ", name.replace("&", " and ")).lower().split())


KNOWN_AUTHORITIES = frozenset(AUTHORITY_NAMES)  # as area_name spells them
BCP = "Bournemouth, Christchurch and Poole"
# One authority, one name (keys: _name_key's). Every known authority is spelled as it is listed,
# however it was written ("Stoke-On-Trent" of a file name, "LEEDS" of a spreadsheet); and where
# letters and people use two names, one: Hull's council calls itself "Hull City Council", but its
# area is "Kingston upon Hull" to Ofsted's reports, the DfE and the ONS (and the council's legal
# name is "Kingston upon Hull City Council"), so that is the name; likewise "Newcastle City
# Council" for Newcastle upon Tyne (Newcastle-under-Lyme is a district with no children's
# services), and "BCP Council" for Bournemouth, Christchurch and Poole.
ALIASES = {_name_key(name): name for name in AUTHORITY_NAMES} | {
    "hull": "Kingston upon Hull",
    "newcastle": "Newcastle upon Tyne",
    "bcp": BCP,
    # the first part of a name of two, as people shorten it (never one that two areas start
    # with: "Kingston" is upon Hull or upon Thames)
    **{
        short: name
        for name in AUTHORITY_NAMES
        for short in [_name_key(re.split(r" and | with |-on-", name)[0])]
        if short != _name_key(name)
        and sum(_name_key(n).startswith(short + " ") for n in AUTHORITY_NAMES) == 1
        and short not in {_name_key(n) for n in AUTHORITY_NAMES}
    },
    "east riding": "East Riding of Yorkshire",
    "rbwm": "Windsor and Maidenhead",
    "rbkc": "Kensington and Chelsea",
    "banes": "Bath and North East Somerset",
}
SAINT = re.compile(r"\b(?:St\.\s*|Saint\s+)")
ROYAL = re.compile(r"(?:the[ -]+)?(?:royal[ -]+borough|rb)\b", re.I)  # "RB Kingston"


# What the kind of council adds before or after the area's name: "City of York Council",
# "Royal Borough of Greenwich", "Durham County Council", "Council of the Isles of Scilly", "City
# of London Corporation", and the ONS's and DfE's "Bristol, City of"; the City of London is a
# council of its own.
COUNCIL_WORDS = re.compile(  # words apart by spaces, or by hyphens in a file's name
    r"^(?:(?:the|london|royal|metropolitan|city and county of the|council of the)[ -]+)*"
    r"(?:county[ -]+(?=durham\b))?"  # County Durham, Durham County Council: one area
    r"(?:(?:borough|county|city(?![ -]+of[ -]+london\b))[ -]+of[ -]+(?:the[ -]+)?)?"
    r"|^(?:lb|rb)[ -]+(?:of[ -]+)?"  # London Borough, Royal Borough
    r"|(?:[ -]+(?:metropolitan|city|county|district|borough|council|corporation))+$"
    r"|[ -]+(?:cc|mbc|lbc|rbc|bc|ua|\(ua\))$"  # (City, Metropolitan Borough, ...) Council
    r"|,[ \t]*(?:city|county)[ \t]+of$",
    re.I,
)
