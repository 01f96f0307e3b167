"""python -m prepare: split the raw articles into sentences and check the labelled set.

Writes the prepared sentences (``data.prepared``), validates ``data.sentences`` against them and
the configured themes, and prints the positives per theme and article. Exit status 2 when the
labelled set fails validation, with one line per problem.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from ofsted_themes.corpus import (
    DataPaths,
    LabelledSetError,
    load_labelled,
    prepare_sentences,
    read_articles,
    theme_counts,
)
from ofsted_themes.io import write_atomic
from ofsted_themes.themes import themes_from_config


@hydra.main(config_path="../conf", config_name="prepare", version_base="1.3")
def main(cfg: DictConfig) -> None:
    paths = DataPaths.from_config(cfg.data)
    themes = [t.id for t in themes_from_config(cfg.themes)]
    try:
        prepared = prepare_sentences(read_articles(paths.raw_dir))
        write_atomic(paths.prepared, lambda f: prepared.to_csv(f, index=False))
        labelled = load_labelled(paths, themes)
    except LabelledSetError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    print(f"{len(prepared)} sentences prepared from {prepared['article'].nunique()} articles")
    print(f"{len(labelled)} labelled; positives per theme:")
    print(theme_counts(labelled, themes).to_string())


if __name__ == "__main__":
    main()
