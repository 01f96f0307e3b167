"""Themes as configured knowledge: id, name, description, indicative phrases, display colour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ofsted_themes.core.tables import LETTER_COLUMNS


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    description: str = ""
    phrases: tuple[str, ...] = field(default_factory=tuple)
    colour: str = "#777777"


# the outputs' own columns: a theme of one of these ids would overwrite them, or theirs it
RESERVED_IDS = frozenset(
    [*LETTER_COLUMNS, *"document year sentence_no page text evidence concern sentences".split()]
)
RESERVED_ENDINGS = ("_score", "_count", "_share", "_concerns")  # a theme's own columns


def themes_from_config(config: Mapping) -> list[Theme]:
    """Themes from the ``themes`` config group (a mapping of id to fields), in config order."""
    themes = []
    for theme_id, fields in config.items():
        if str(theme_id) in RESERVED_IDS or str(theme_id).endswith(RESERVED_ENDINGS):
            raise ValueError(
                f"theme id '{theme_id}' is a column the outputs already have: choose another"
            )
        fields = dict(fields)
        fields["phrases"] = tuple(
            dict(p) if isinstance(p, Mapping) else str(p) for p in fields.get("phrases") or ()
        )
        themes.append(Theme(id=str(theme_id), **fields))
    if not themes:
        raise ValueError("no themes configured: add at least one to conf/themes/default.yaml")
    return themes
