"""How the product words numbers for people: in the terminal and in the report alike."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """``1 sentence``, ``2 sentences``."""
    return f"{number} {noun if number == 1 else noun + 's'}"


def some_of(items: list[str], shown: int = 5) -> str:
    """The first ``shown`` of ``items`` and how many more: ``a; b; and 3 more``."""
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more
