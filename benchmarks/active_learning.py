"""Does labelling the sentences the model is least sure about beat labelling sentences at random?

Simulates a user of `python -m label` whose letters are the real letters of the training split
(data/letters/train: the pool, with true labels standing in for the user's answers), starting
from the model trained on the seed articles alone, and scores every model on the held-out
letters (data/letters/test: other councils, never picked from):

- uncertainty-first: the loop as a user runs it, in rounds of 25: the current model scores the
  pool, `labelling.select` (what `python -m label suggest` and `review` use) picks the 25 it is
  least sure about, they are labelled, the model is retrained on seeds + every pick so far;
- random: the first K sentences of a random order of the pool (averaged over several orders).

Retraining is what `python -m train data=seeds+user` does with the default config: thresholds
from grouped out-of-fold scores, a model fitted on all.

    python benchmarks/active_learning.py [--out benchmarks/results/active_learning.md]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from sklearn.base import clone
from sklearn.metrics import f1_score

from ofsted_themes.core.config import CONF_DIR, register_resolvers
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.labelling import normalise, select
from ofsted_themes.training.datasets import load_training_set
from ofsted_themes.training.evaluation import choose_thresholds, out_of_fold_scores
from ofsted_themes.training.inspections import read_inspection_sentences

POOL = Path("data/letters/train/sentences.csv")
TEST = Path("data/letters/test/sentences.csv")
KS = [0, 25, 50, 100, 200]
ROUND = 25
RANDOM_ORDERS = 3


class Setup:
    """The default config, the seeds (where a user starts), the pool and the test letters."""

    def __init__(self) -> None:
        register_resolvers()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose("train", overrides=["data=seeds"])
        self.ids = [t.id for t in themes_from_config(cfg.themes)]
        self.classifier = instantiate(cfg.classifier, _convert_="all")
        self.policy = instantiate(cfg.thresholds)
        self.max_folds = cfg.cv.max_folds
        self.seeds = load_training_set(cfg.data, self.ids)[["text", "group", *self.ids]]
        pool = read_inspection_sentences(POOL, self.ids)
        self.pool = pool.rename(columns={"inspection": "document"}).reset_index(drop=True)
        self.test = read_inspection_sentences(TEST, self.ids)

    def fit(self, picked: pd.DataFrame):
        """Seeds + picked sentences (each grouped by its letter): thresholds from grouped
        out-of-fold scores, then a model fitted on all."""
        rows = picked.assign(group=picked["document"])[["text", "group", *self.ids]]
        frame = pd.concat([self.seeds, rows], ignore_index=True)
        texts, Y = frame["text"].to_numpy(), frame[self.ids].to_numpy(dtype=int)
        groups = frame["group"].to_numpy()
        oof = out_of_fold_scores(self.classifier, texts, Y, groups, self.max_folds)
        model = clone(self.classifier).fit(texts, Y)
        return model, dict(zip(self.ids, choose_thresholds(self.policy, oof, Y), strict=True))

    def macro_f1(self, model, thresholds: dict[str, float]) -> float:
        limits = np.array([thresholds[t] for t in self.ids])
        predicted = model.predict_proba(self.test["text"].tolist()) >= limits
        truth = self.test[self.ids].to_numpy()
        return float(f1_score(truth, predicted, average="macro", zero_division=0))


def uncertainty_first(setup: Setup) -> list[dict]:
    """The loop in rounds of ROUND picks, scored at each K."""
    picked = setup.pool.iloc[:0]
    model, thresholds = setup.fit(picked)
    rows = [{"k": 0, "strategy": "uncertainty", "f1": setup.macro_f1(model, thresholds)}]
    seen = {normalise(t) for t in setup.seeds["text"]}
    while len(picked) < KS[-1]:
        table = setup.pool.copy()
        scores = model.predict_proba(table["text"].tolist())
        for j, theme in enumerate(setup.ids):
            table[f"{theme}_score"] = scores[:, j]
        done = seen | {normalise(t) for t in picked["text"]}
        chosen = select(table, setup.ids, thresholds, ROUND, done)
        picked = pd.concat([picked, setup.pool.loc[setup.pool["id"].isin(chosen["id"])]])
        model, thresholds = setup.fit(picked)
        if len(picked) in KS:
            rows.append(row(setup, picked, "uncertainty", model, thresholds))
            print(f"  uncertainty K={len(picked)}: {rows[-1]['f1']:.3f}", file=sys.stderr)
    return rows


def at_random(setup: Setup, order: int) -> list[dict]:
    shuffled = setup.pool.sample(frac=1, random_state=order)
    rows = []
    for k in KS[1:]:
        picked = shuffled.iloc[:k]
        rows.append(row(setup, picked, "random", *setup.fit(picked)) | {"order": order})
        print(f"  random {order} K={k}: {rows[-1]['f1']:.3f}", file=sys.stderr)
    return rows


def row(setup: Setup, picked: pd.DataFrame, strategy: str, model, thresholds) -> dict:
    themed = int(picked[setup.ids].to_numpy().any(axis=1).sum())
    f1 = setup.macro_f1(model, thresholds)
    return {"k": len(picked), "strategy": strategy, "f1": f1, "with_theme": themed}


def summarise(rows: list[dict], everything: float) -> str:
    frame = pd.DataFrame(rows)
    means = frame.groupby(["k", "strategy"])[["f1", "with_theme"]].mean().unstack("strategy")
    spread = frame[frame["strategy"] == "random"].groupby("k")["f1"].agg(["min", "max"])
    table = pd.DataFrame(
        {
            "K": means.index,
            "uncertainty-first macro-F1": means[("f1", "uncertainty")].round(3).to_numpy(),
            "random macro-F1 (mean)": means[("f1", "random")].round(3).to_numpy(),
            "random min–max": [
                f"{spread.at[k, 'min']:.3f}–{spread.at[k, 'max']:.3f}" if k in spread.index else "-"
                for k in means.index
            ],
            "picked with a theme (uncertainty / random)": [
                "-" if k == 0 else f"{u:.0f} / {r:.1f}"
                for k, u, r in zip(
                    means.index,
                    means[("with_theme", "uncertainty")],
                    means[("with_theme", "random")],
                    strict=True,
                )
            ],
        }
    )
    return table.to_markdown(index=False) + (
        f"\n\nReference, every pool sentence labelled (seeds + data/letters/train, "
        f"the default tagger's data): macro-F1 {everything:.3f}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/active_learning.md"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    setup = Setup()
    rows = uncertainty_first(setup)
    for order in range(RANDOM_ORDERS):
        rows += at_random(setup, order)
    rows += [{"k": 0, "strategy": "random", "f1": rows[0]["f1"], "with_theme": 0}]
    everything = setup.macro_f1(*setup.fit(setup.pool))
    text = (
        f"Simulated labelling: pool data/letters/train ({len(setup.pool)} sentences), test "
        f"data/letters/test ({len(setup.test)} sentences of other councils), starting from the "
        f"seeds; uncertainty-first in rounds of {ROUND}, random averaged over {RANDOM_ORDERS} "
        f"orders ({time.perf_counter() - started:.0f}s).\n\n" + summarise(rows, everything)
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
