"""How the product words numbers and names for people: in the terminal and in the report
alike."""

from __future__ import annotations

# Characters shown as nothing that change what is shown: bidirectional marks, overrides and
# isolates, which reorder what follows ("letter\u202efdp.txt" shows as "lettertxt.pdf"), and
# zero-width characters, which make two names look alike. For a regular expression's class:
# names are printed and written with them escaped, as control characters are.
INVISIBLE_MARKS = "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# ...and with the C0 and C1 controls, what a name or a text from a file is shown with escaped
UNSHOWN = "\x00-\x1f\x7f-\x9f" + INVISIBLE_MARKS


def counted(number: int, noun: str) -> str:
    """``1 sentence``, ``2 sentences``."""
    return f"{number} {noun if number == 1 else noun + 's'}"


def some_of(items: list[str], shown: int = 5) -> str:
    """The first ``shown`` of ``items`` and how many more: ``a; b; and 3 more``."""
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def clipped(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a word's end, marked "…" where cut (a
    library's message may be long; cut mid-word, it reads as a typo)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,.;:") + "…"
