"""Find and count themes in Ofsted inspection letters.

The package's folders follow the data flow, each importing only those below it (checked by
import-linter, see pyproject.toml): ``core`` < ``reading`` < ``modelling`` < ``training`` <
``tagging`` < ``labelling`` < ``reporting`` < ``tracking`` < ``cli``. This module stays light:
importing a subpackage imports it first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ofsted_themes.modelling.tagger import Tagger

__all__ = ["is_model_uri", "load_tagger", "pinned_model"]


def is_model_uri(model: str | Path) -> bool:
    """Whether ``model`` names an MLflow model (``models:/…``, ``runs:/…``) rather than a file."""
    text = str(model)
    return "://" in text or text.startswith(("models:", "runs:"))


def load_tagger(path_or_uri: str | Path) -> Tagger:
    """A Tagger from a file, or from an MLflow model URI; mlflow is imported only for a URI."""
    from ofsted_themes.modelling.tagger import Tagger

    if is_model_uri(path_or_uri):
        from ofsted_themes.tracking.registry import fetched_tagger

        with fetched_tagger(str(path_or_uri)) as file:
            return Tagger.load(file)
    return Tagger.load(path_or_uri)


def pinned_model(model: str) -> tuple[str, str | None]:
    """The model to load and its registered version (None for a file): an alias is resolved
    once, to the version it names now, so the version reported is the one that tagged."""
    if not is_model_uri(model):
        return model, None
    from ofsted_themes.tracking.registry import pinned

    return pinned(model)
