"""Quality of every model and feature set: leave-one-article-out on the seeds (thresholds tuned
without the held-out article), beside the majority and phrase-rule baselines, and the score of
the model fitted on all seeds on the challenge set (evaluation only, never used to fit or tune).

    python benchmarks/quality.py [--out benchmarks/results/quality.md]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from sklearn.metrics import f1_score

from ofsted_themes.core.config import CONF_DIR, register_resolvers
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.training.corpus import DataPaths, load_labelled
from ofsted_themes.training.fitting import train

MODELS = ["logreg", "linear_svc", "complement_nb"]
FEATURES = ["tfidf_phrases", "tfidf_char", "tfidf_word", "phrases"]
if importlib.util.find_spec("sentence_transformers"):  # the optional extra is installed
    FEATURES.append("embeddings")
CHALLENGE = Path("data/challenge/sentences.csv")


def compose_config(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides=overrides)


def evaluate(overrides: list[str], frame: pd.DataFrame, challenge: pd.DataFrame | None) -> dict:
    cfg = compose_config(overrides)
    themes = themes_from_config(cfg.themes)
    ids = [t.id for t in themes]
    classifier = instantiate(cfg.classifier, _convert_="all")
    result = train(classifier, instantiate(cfg.thresholds), frame, themes, "article", {})
    row = {
        "macro_f1": result.metrics["macro_f1"],
        "macro_f1_at_0.5": result.metrics["macro_f1_at_0.5"],
    }
    row |= {f"f1_{t}": result.metrics[f"f1_{t}"] for t in ids}
    if challenge is not None:
        predicted = result.tagger.predict(challenge["text"].tolist())[ids].to_numpy()
        per_theme = f1_score(challenge[ids].to_numpy(), predicted, average=None, zero_division=0)
        row["challenge_macro_f1"] = float(per_theme.mean())
        row |= {f"challenge_f1_{t}": f for t, f in zip(ids, per_theme, strict=True)}
    return row


def majority_baseline(frame: pd.DataFrame, challenge: pd.DataFrame | None, ids: list[str]) -> dict:
    """Predicts each theme's majority class (absent): F1 0 for every theme."""
    zeros = np.zeros((len(frame), len(ids)), dtype=int)
    per_theme = f1_score(frame[ids].to_numpy(), zeros, average=None, zero_division=0)
    row = {"macro_f1": per_theme.mean(), "macro_f1_at_0.5": per_theme.mean()}
    row |= {f"f1_{t}": f for t, f in zip(ids, per_theme, strict=True)}
    if challenge is not None:
        row["challenge_macro_f1"] = 0.0
        row |= {f"challenge_f1_{t}": 0.0 for t in ids}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/quality.md"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    register_resolvers()
    cfg = compose_config([])
    ids = [t.id for t in themes_from_config(cfg.themes)]
    frame = load_labelled(DataPaths.from_config(cfg.data), ids)
    challenge = pd.read_csv(CHALLENGE) if CHALLENGE.is_file() else None
    rows = {("majority", "-"): majority_baseline(frame, challenge, ids)}
    rows[("phrase_rules", "phrases")] = evaluate(["experiment=rules_baseline"], frame, challenge)
    for model, features in itertools.product(MODELS, FEATURES):
        if model == "complement_nb" and features == "embeddings":
            continue  # naive Bayes needs non-negative features
        print(f"  {model} + {features}", file=sys.stderr, flush=True)
        rows[(model, features)] = evaluate(
            [f"model={model}", f"features={features}"], frame, challenge
        )
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis(["model", "features"])
    text = table.round(3).reset_index().to_markdown(index=False)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
