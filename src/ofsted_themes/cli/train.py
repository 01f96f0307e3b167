"""python -m train: cross-validate, fit, save and register a theme tagger (a Hydra app).

    python -m train                                   the default model
    python -m train model=linear_svc features=tfidf_char
    python -m train -m model=logreg,linear_svc   a sweep: one parent run, a child per job
    python -m train -m hparams_search=optuna          an Optuna search of out-of-fold macro-F1
    python -m train data=seeds+letters+user           the default data plus the user's labels

Configuration lives in conf/ (see README). Exit status 2 with a one-line message on a bad config,
a bad override or a labelled set that fails validation.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from sklearn.utils._param_validation import InvalidParameterError

from ofsted_themes.cli.common import DEFAULT_MODEL, fail
from ofsted_themes.core.atomic import move_into_place
from ofsted_themes.core.config import (
    CONF_DIR,
    check_overrides,
    default_choice,
    register_resolvers,
)
from ofsted_themes.core.themes import themes_from_config
from ofsted_themes.core.words import counted
from ofsted_themes.modelling.features import check_embeddings
from ofsted_themes.tracking.names import NOT_THE_MODEL, naming_overrides, run_name
from ofsted_themes.training.corpus import LabelledSetError, digest
from ofsted_themes.training.datasets import load_training_set, source_digests
from ofsted_themes.training.evaluation import cv_jobs, fold_count
from ofsted_themes.training.fitting import (
    NoPositivesError,
    train,
    write_artifacts,
    write_dvc_outputs,
)

register_resolvers()


def model_settings(cfg: DictConfig) -> dict:
    """The configuration that makes the model (labels it uses are in its data settings)."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    return {k: v for k, v in plain.items() if k not in NOT_THE_MODEL}


def fit(cfg: DictConfig):
    try:
        themes = themes_from_config(cfg.themes)
    except ValueError as error:
        fail(str(error))
    theme_ids = [t.id for t in themes]
    try:
        frame = load_training_set(cfg.data, theme_ids)
    except LabelledSetError as error:
        fail(error.summary())
    try:
        classifier = instantiate(cfg.classifier, _convert_="all")
        policy = instantiate(cfg.thresholds)
        concern_estimator = instantiate(cfg.concern_model) if cfg.get("concern_model") else None
        cues = instantiate(cfg.concern_cues, _convert_="all") if cfg.get("concern_cues") else None
    except (InstantiationException, ValueError, TypeError) as error:
        cause = error.__cause__ or error
        fail(f"cannot build the configured objects: {cause}")
    try:
        check_embeddings(classifier)
    except ImportError as error:
        fail(str(error))
    hydra_cfg = HydraConfig.get()
    metadata = {
        "data": cfg.data.name,
        "data_digest": digest(frame),
        "config": OmegaConf.to_yaml(model_settings(cfg)),
        "overrides": naming_overrides(hydra_cfg.overrides.task),
    }
    if cfg.cv.group_by not in frame.columns:
        fail(f"cv.group_by: the labelled set has no column '{cfg.cv.group_by}'")
    try:
        folds = fold_count(frame[cfg.cv.group_by], cfg.cv.max_folds)
        jobs = cv_jobs(cfg.cv.n_jobs, len(frame))
    except ValueError as error:
        fail(str(error))
    progress = iter(range(1, folds + 1))

    def on_fold(group: str) -> None:
        print(f"  fold {next(progress)}/{folds}: held out {group}", file=sys.stderr, flush=True)

    try:
        result = train(
            classifier, policy, frame, themes, cfg.cv.group_by, metadata, on_fold,
            cfg.cv.max_folds, jobs, concern_estimator, cues,
        )  # fmt: skip
    except NoPositivesError as error:
        fail(str(error))
    except InvalidParameterError as error:  # e.g. model.estimator.C=abc, found at the first fit
        fail(f"invalid model or feature setting: {error}")
    return result, frame


def three_places(value: float) -> str:
    return f"{value:.3f}"


def report(result, seconds: float, cfg: DictConfig) -> None:
    table = result.tuned[["precision", "recall", "f1", "average_precision", "support"]].copy()
    table["f1_at_0.5"] = result.fixed["f1"]
    table["threshold"] = [result.tagger.thresholds[t] for t in table.index]
    folds = len(result.cv.fold_thresholds)
    tuned = result.chosen == "tuned"
    chosen = "thresholds tuned without the held-out fold" if tuned else "fixed thresholds"
    print(
        f"\n{cfg.data.name}: {len(result.out_of_fold)} sentences, grouped by document "
        f"(column {cfg.cv.group_by}) in {folds} folds; pooled out-of-fold ({chosen})"
    )
    print(table.to_string(float_format=three_places))
    m = result.metrics
    print(
        f"macro-F1 {m['macro_f1']:.3f}  micro-F1 {m['micro_f1']:.3f}  "
        f"(at 0.5: macro {m['macro_f1_at_0.5']:.3f}, micro {m['micro_f1_at_0.5']:.3f})  "
        f"in {seconds:.1f}s"
    )
    print_subsets(result.metrics, result.tagger.theme_ids, result.chosen)
    print_concerns(result.metrics, result.tagger.theme_ids, result.concern.why_not)


FEW_POSITIVES = 20  # in a source or voice: below it, its F1 is a handful of sentences


def print_subsets(metrics: dict[str, float], theme_ids: list[str], chosen: str) -> None:
    """Macro-F1 and per-theme F1 of each source and voice (blank: no positive there)."""
    rows = {}
    for key, value in metrics.items():
        if key.startswith(("macro_f1_source_", "macro_f1_voice_")):
            suffix = key.removeprefix("macro_f1")
            rows[suffix.lstrip("_").replace("_", " ", 1)] = {
                "sentences": int(metrics[f"sentences{suffix}"]),
                "positives": int(metrics.get(f"positives{suffix}", 0)),
                "macro_f1": value,
                **{t: metrics.get(f"f1_{t}{suffix}") for t in theme_ids},
            }
    if rows:
        print(f"\nby source and voice (F1 at the {chosen} thresholds):")
        table = pd.DataFrame.from_dict(rows, orient="index")  # keeps the counts whole
        scores = ["macro_f1", *theme_ids]
        table[scores] = table[scores].map(lambda v: "" if pd.isna(v) else three_places(v))
        print(table.to_string())
        if (table["positives"] < FEW_POSITIVES).any():
            print(
                f"  (fewer than {FEW_POSITIVES} positives: one sentence moves such an F1 a long "
                "way, and it says little of the model)"
            )


def print_concerns(metrics: dict[str, float], theme_ids: list[str], why_not: str) -> None:
    """The concern model's out-of-fold figures, of the direction and of the concerns counted
    per theme, or why there is none."""
    if why_not:
        print(f"\nno concern model ({why_not}): tags will not say which findings are concerns")
        return
    print(
        f"\nconcerns (a finding wholly or partly a concern), out-of-fold on "
        f"{int(metrics['concern_sentences'])} sentences with a direction label: "
        f"F1 {metrics['concern_f1']:.3f} (precision {metrics['concern_precision']:.3f}, "
        f"recall {metrics['concern_recall']:.3f}), accuracy {metrics['concern_accuracy']:.3f}"
    )
    voices = sorted(
        k.removeprefix("concern_f1_voice_") for k in metrics if "concern_f1_voice_" in k
    )
    if voices:
        print("  F1 by voice: " + ", ".join(
            f"{v} {metrics[f'concern_f1_voice_{v}']:.3f}" for v in voices))  # fmt: skip
    counted = [t for t in theme_ids if f"concern_count_f1_{t}" in metrics]
    if counted:
        print(
            "  the concerns counted per theme (theme tagged and a concern, against the labels): "
            f"macro-F1 {metrics['concern_count_macro_f1']:.3f} ("
            + ", ".join(f"{t} {metrics[f'concern_count_f1_{t}']:.3f}" for t in counted)
            + ")"
        )


def track(cfg: DictConfig, result, frame, tagger_file: Path, started: float):
    import mlflow  # slow to import: only when tracking

    from ofsted_themes.tracking import runs as tracking
    from ofsted_themes.tracking.registry import Registry
    from ofsted_themes.tracking.store import connect

    hydra_cfg = HydraConfig.get()
    connect(cfg.mlflow.tracking_uri)

    plain = OmegaConf.to_container(cfg, resolve=True)
    params = {k: v for k, v in plain.items() if k not in ("themes", "classifier", "mlflow")}
    # Long values (the phrase lists inside the features config) live in config.yaml only.
    flat = {k: project_relative(v) for k, v in tracking.flatten(params).items() if len(v) <= 250}
    # Where this run wrote (a sweep's job writes into its own folder, not the configured paths).
    written = dict(zip(("model", "metrics", "pr_curves"), output_paths(cfg), strict=True))
    flat |= {f"output.{k}": project_relative(str(v)) for k, v in written.items()}
    # Groups left unset (debug, experiment, hparams_search) would only add "None" columns.
    choices = {k: str(v) for k, v in hydra_cfg.runtime.choices.items() if "hydra" not in k and v}
    flat |= {f"choice.{k}": v for k, v in choices.items()}
    flat["themes"] = ",".join(result.tagger.theme_ids)
    # A sweep's jobs are not candidates: the sweep registers its best when it ends.
    candidate = hydra_cfg.mode != RunMode.MULTIRUN
    registry = Registry(
        cfg.mlflow.registered_model,
        cfg.mlflow.alias,
        cfg.mlflow.force_champion,
        home_data=default_choice("train", "data") if candidate else "",  # else unused
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_artifacts(result, folder)
        (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
        (folder / "overrides.yaml").write_text(OmegaConf.to_yaml(list(hydra_cfg.overrides.task)))
        sources = source_digests(cfg.data)
        dataset = mlflow.data.from_pandas(frame, source=" + ".join(sources), name=cfg.data.name)
        outcome = tracking.log_training_run(
            experiment=cfg.mlflow.experiment,
            run_name=run_name(choices, hydra_cfg.overrides.task),
            started=started,
            params=flat,
            metrics=result.metrics,
            tags={
                "git_commit": tracking.git_commit(),
                "data_digest": result.tagger.metadata["data_digest"],
                "data": cfg.data.name,
                "data_sources": " + ".join(sources),
            },
            dataset=dataset,
            artifacts_dir=folder,
            tagger_file=tagger_file,
            input_example=frame[["text"]].head(3),
            registry=registry if candidate else None,
        )
    print(f"MLflow run {outcome['run_id']} in experiment '{cfg.mlflow.experiment}'", end="")
    registered = outcome["registered"]
    if registered is None:
        print(" (a sweep job: the sweep registers its best run)")
    else:
        print(f"; {registered.summary(cfg.mlflow.registered_model, cfg.mlflow.alias)}")
    return registered


def project_relative(value: str) -> str:
    """An absolute path inside the project, relative to it: runs compare across machines."""
    path = Path(value)
    if not path.is_absolute():
        return value
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return value


def track_or_fail(cfg: DictConfig, result, frame, staged: Path, model: Path, started: float):
    """Record the run, or stop with what went wrong: the saved Tagger is then left as it was.
    Returns the registered version (None for a sweep's job)."""
    from mlflow.exceptions import MlflowException

    try:
        return track(cfg, result, frame, staged, started)
    except (MlflowException, OSError) as error:
        message = str(error).splitlines()[0][:300]
        fail(
            f"MLflow could not record the run: {message}; {model} was left as it was "
            "(check MLFLOW_TRACKING_URI, or train with mlflow.enabled=false)"
        )


def output_paths(cfg: DictConfig) -> tuple[Path, Path, Path]:
    """Where a run writes; each job of a sweep writes into its own job folder, so that jobs do
    not overwrite one another or the pipeline's model."""
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:
        folder = Path(hydra_cfg.runtime.output_dir)
        return folder / "tagger.skops", folder / "metrics.json", folder / "pr_curves"
    return Path(cfg.output.model), Path(cfg.output.metrics), Path(cfg.output.pr_curves)


@hydra.main(config_path=str(CONF_DIR), config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    started = time.perf_counter()
    started_at = time.time()
    result, frame = fit(cfg)
    model, metrics, curves = output_paths(cfg)
    report(result, time.perf_counter() - started, cfg)
    model.parent.mkdir(parents=True, exist_ok=True)
    # The Tagger replaces the saved one only once its run is recorded: a model file always has
    # its run in MLflow.
    registered = None
    with tempfile.TemporaryDirectory(dir=model.parent, prefix=".staging-") as staging:
        staged = result.tagger.save(Path(staging) / model.name)
        if cfg.mlflow.enabled:
            registered = track_or_fail(cfg, result, frame, staged, model, started_at)
        move_into_place(staged, model)
    write_dvc_outputs(result, metrics, curves)  # with the model: they describe it
    print(f"Tagger saved to {model}")
    if registered is not None and not registered.champion:
        print(not_champion_note(model, cfg.mlflow.registered_model, cfg.mlflow.alias))
    left_out = unused_labels_note(cfg)
    if left_out:
        print(left_out)
    return result.metrics["macro_f1"]


def unused_labels_note(cfg: DictConfig) -> str | None:
    """The user's labels that a run on data without them leaves out: after labelling, a run on
    the default data (``make run``'s) would otherwise leave them out without a word."""
    name = cfg.data.name
    if not cfg.get("user_labels") or cfg.data.get("user_labels") or name.endswith("+user"):
        return None  # no labels file, labels used, or left out on purpose (data.user_labels=null)
    path = Path(cfg.user_labels)
    if not path.is_file():
        return None
    try:
        labelled = len(pd.read_csv(path, dtype=str, usecols=[0]))
    except pd.errors.EmptyDataError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):  # unreadable: the +user run will say why
        labelled = None
    if labelled == 0:
        return None
    held = f"{counted(labelled, 'labelled sentence')} of yours" if labelled else "labels of yours"
    return (
        f"note: {path} holds {held} that data={name} leaves out: train on them with "
        f"data={name}+user (for make run too: that data in conf/train.yaml's defaults)"
    )


def not_champion_note(model: Path, name: str, alias: str) -> str:
    """A run that did not take the alias: where its Tagger is, and the champion. Saved where
    ``tag`` looks by default, it changes what ``tag`` gives: an experiment would otherwise do
    that without a word."""
    champion = f"models:/{name}@{alias}"
    if Path(model).resolve() == DEFAULT_MODEL.resolve():
        return (
            f"note: {model} now holds this run's Tagger, which tag uses by default; the "
            f"champion stays {champion} (tag --model {champion})"
        )
    return f"note: this run's Tagger is {model} (tag --model {model}); the champion is {champion}"


def run() -> None:
    """The ``ofsted-train`` command: overrides are checked before Hydra starts, so that a bad one
    is one line saying what to fix."""
    problem = check_overrides("train", sys.argv[1:])
    if problem:
        fail(problem)
    main()


if __name__ == "__main__":
    run()
