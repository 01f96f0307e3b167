"""Does labelling the sentences the model is least sure about beat labelling sentences at random?

Simulates a user of `python -m label` on the development set (data/dev/sentences.csv: 329
letter-style sentences in twelve letters with true labels). For each of several splits of the
letters into a pool (the user's letters) and a test part:

1. the model trained on the seeds (the project's default config) scores the pool, as
   `python -m tag` would;
2. the loop picks K pool sentences — by uncertainty and diversity (`labelling.select`, what
   `python -m label suggest` and `review` use), or at random (averaged over several seeds) —
   and their true labels stand in for the user's answers;
3. the model is retrained on seeds + picked sentences (grouped by letter, thresholds from
   out-of-fold scores, fitted on all: the Tagger `python -m train data=seeds+user` saves) and
   scored on the test letters (macro-F1 over the themes).

The dev set's sentences informed the theme phrases, so absolute levels are optimistic; the
comparison between the two strategies is the point.

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
from ofsted_themes.training.corpus import DataPaths, load_labelled
from ofsted_themes.training.evaluation import choose_thresholds, out_of_fold_scores

DEV = Path("data/dev/sentences.csv")
KS = [0, 10, 25, 50]
SPLITS = 3
RANDOM_SEEDS = 5
POOL_LETTERS = 6


class Setup:
    """The project's default config, the seeds and the development set."""

    def __init__(self) -> None:
        register_resolvers()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose("train")
        self.ids = [t.id for t in themes_from_config(cfg.themes)]
        self.classifier = instantiate(cfg.classifier, _convert_="all")
        self.policy = instantiate(cfg.thresholds)
        self.max_folds = cfg.cv.max_folds
        self.seeds = load_labelled(DataPaths.from_config(cfg.data), self.ids)
        dev = pd.read_csv(DEV, dtype={"text": str})
        self.dev = dev.rename(columns={"letter": "document"})

    def fit(self, frame: pd.DataFrame):
        """What training saves: thresholds chosen on grouped out-of-fold scores, then a model
        fitted on all (the nested CV that train() adds only reports metrics)."""
        texts, Y = frame["text"].to_numpy(), frame[self.ids].to_numpy(dtype=int)
        groups = frame["article"].astype(str).to_numpy()
        oof = out_of_fold_scores(self.classifier, texts, Y, groups, self.max_folds)
        thresholds = choose_thresholds(self.policy, oof, Y)
        return clone(self.classifier).fit(texts, Y), thresholds

    def with_picked(self, picked: pd.DataFrame) -> pd.DataFrame:
        """The seeds plus picked dev sentences, each grouped by its letter."""
        rows = picked[["id", "document", "text", *self.ids]].rename(columns={"document": "article"})
        return pd.concat([self.seeds[["id", "article", "text", *self.ids]], rows])

    def macro_f1(self, model, thresholds, test: pd.DataFrame) -> float:
        predicted = model.predict_proba(test["text"].tolist()) >= thresholds
        truth = test[self.ids].to_numpy()
        return float(f1_score(truth, predicted, average="macro", zero_division=0))


def picks(setup: Setup, split: int, seed_model, seed_thresholds):
    """The split's test letters and, per K and strategy, the pool sentences picked."""
    letters = sorted(setup.dev["document"].unique())
    rng = np.random.default_rng(split)
    pool_letters = set(rng.choice(letters, POOL_LETTERS, replace=False))
    in_pool = setup.dev["document"].isin(pool_letters)
    pool, test = setup.dev[in_pool].reset_index(drop=True), setup.dev[~in_pool]
    scores = seed_model.predict_proba(pool["text"].tolist())
    table = pool.copy()
    for j, theme in enumerate(setup.ids):
        table[f"{theme}_score"] = scores[:, j]
    thresholds = dict(zip(setup.ids, seed_thresholds, strict=True))
    seen = {normalise(t) for t in setup.seeds["text"]}
    jobs = []
    for k in KS[1:] if KS[0] == 0 else KS:
        jobs.append((split, k, "uncertainty", select(table, setup.ids, thresholds, k, seen)))
        jobs += [
            (split, k, "random", pool.sample(n=k, random_state=s)) for s in range(RANDOM_SEEDS)
        ]
    jobs.append((split, len(pool), "all", pool))  # the reference: every pool sentence labelled
    return test, jobs


def evaluate(setup: Setup, picked: pd.DataFrame, test: pd.DataFrame) -> tuple[float, int]:
    model, thresholds = setup.fit(setup.with_picked(picked))
    positives = int(picked[setup.ids].to_numpy().any(axis=1).sum())
    return setup.macro_f1(model, thresholds, test), positives


def run(setup: Setup, jobs: int) -> pd.DataFrame:
    from joblib import Parallel, delayed

    seed_model, seed_thresholds = setup.fit(setup.seeds)
    rows, work = [], []
    for split in range(SPLITS):
        test, picked = picks(setup, split, seed_model, seed_thresholds)
        baseline = setup.macro_f1(seed_model, seed_thresholds, test)
        rows += [{"split": split, "k": 0, "strategy": s, "f1": baseline, "positives": 0}
                 for s in ("uncertainty", "random")]  # fmt: skip
        work += [(job, test) for job in picked]
    print(f"  {len(work)} retrainings on {jobs} worker(s)", file=sys.stderr, flush=True)
    scored = Parallel(n_jobs=jobs)(delayed(evaluate)(setup, job[3], test) for job, test in work)
    for (job, _), (f1, positives) in zip(work, scored, strict=True):
        split, k, strategy, _ = job
        rows.append(
            {"split": split, "k": k, "strategy": strategy, "f1": f1, "positives": positives}
        )
    return pd.DataFrame(rows)


def reference(results: pd.DataFrame) -> str:
    everything = results[results["strategy"] == "all"]
    return (
        f"Reference, every pool sentence labelled ({everything['k'].mean():.0f} on average): "
        f"macro-F1 {everything['f1'].mean():.3f} "
        f"({everything['f1'].min():.3f}–{everything['f1'].max():.3f} over splits)."
    )


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    results = results[results["strategy"] != "all"]
    # mean over random seeds within a split first, then over splits
    per_split = results.groupby(["k", "strategy", "split"]).mean(numeric_only=True)
    means = per_split.groupby(["k", "strategy"]).mean().unstack("strategy")
    spread = per_split["f1"].groupby(["k", "strategy"]).agg(["min", "max"]).unstack("strategy")
    table = pd.DataFrame(
        {
            "K": means.index,
            "uncertainty macro-F1 (mean)": means[("f1", "uncertainty")].to_numpy(),
            "random macro-F1 (mean)": means[("f1", "random")].to_numpy(),
            "uncertainty min–max over splits": [
                f"{lo:.3f}–{hi:.3f}"
                for lo, hi in spread[[("min", "uncertainty"), ("max", "uncertainty")]].to_numpy()
            ],
            "random min–max over splits": [
                f"{lo:.3f}–{hi:.3f}"
                for lo, hi in spread[[("min", "random"), ("max", "random")]].to_numpy()
            ],
            "picked with a theme (uncertainty / random)": [
                "-" if k == 0 else f"{u:.1f} / {r:.1f}"
                for k, u, r in zip(
                    means.index,
                    means[("positives", "uncertainty")],
                    means[("positives", "random")],
                    strict=True,
                )
            ],
        }
    )
    return table.round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/active_learning.md"))
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    results = run(Setup(), args.jobs)
    table = summarise(results)
    seconds = time.perf_counter() - started
    text = (
        f"Simulated labelling on the development set: {SPLITS} splits of its 12 letters into "
        f"{POOL_LETTERS} pool letters (where K sentences are picked and labelled) and "
        f"{12 - POOL_LETTERS} test letters (scored); random picks averaged over {RANDOM_SEEDS} "
        f"seeds. Retrained on seeds + picked sentences with the default config "
        f"({seconds:.0f}s on {args.jobs} worker(s)).\n\n"
        + table.to_markdown(index=False)
        + "\n\n"
        + reference(results)
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
