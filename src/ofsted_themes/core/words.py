"""How the product words numbers for people: in the terminal and in the report alike."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """``1 sentence``, ``2 sentences``."""
    return f"{number} {noun if number == 1 else noun + 's'}"
