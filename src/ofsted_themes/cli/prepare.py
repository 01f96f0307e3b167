"""python -m prepare: split the raw articles into sentences and check the labelled set.

Writes the prepared sentences (``data.prepared``), validates ``data.sentences`` against them and
the configured themes, and prints the positives per theme and article. Exit status 2 when the
labelled set fails validation, with one line per problem.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from ofsted_themes.cli.common import fail
from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.config import CONF_DIR
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.training.corpus import (
    DataPaths,
    LabelledSetError,
    load_labelled,
    prepare_sentences,
    read_articles,
    theme_counts,
)


@hydra.main(config_path=str(CONF_DIR), config_name="prepare", version_base="1.3")
def main(cfg: DictConfig) -> None:
    paths = DataPaths.from_config(cfg.data)
    themes = [t.id for t in themes_from_config(cfg.themes)]
    try:
        prepared = prepare_sentences(read_articles(paths.raw_dir))
        write_atomic(paths.prepared, lambda f: prepared.to_csv(f, index=False))
        labelled = load_labelled(paths, themes)
    except LabelledSetError as error:
        fail(error)
    print(f"{len(prepared)} sentences prepared from {prepared['article'].nunique()} articles")
    print(f"{len(labelled)} labelled; positives per theme:")
    print(theme_counts(labelled, themes).to_string())


def run() -> None:
    """The ``ofsted-prepare`` command."""
    main()


if __name__ == "__main__":
    run()
