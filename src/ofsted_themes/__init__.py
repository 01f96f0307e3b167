"""Find and count themes in Ofsted inspection letters."""

from __future__ import annotations

from typing import Any

__all__ = ["load_tagger"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `python -m prepare` does not pay for scikit-learn.
    if name == "load_tagger":
        from ofsted_themes.tagger import load_tagger

        return load_tagger
    raise AttributeError(name)
