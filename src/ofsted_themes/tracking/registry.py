"""The model registry: candidates (a single run, a sweep's best) become versions with a
description and tags; the champion alias moves only to a model at least as good on the same data,
or to one on the pipeline's own data from a holder evaluated on other data; registered taggers
are fetched by URI (``models:/ofsted-themes@champion``)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from ofsted_themes.modelling.persistence import ModelError
from ofsted_themes.tracking.store import connect, sqlite_file, store_uri

# Run tags and params a version carries, so that the registry alone says what each version is.
VERSION_TAGS = {
    "data": ("tag", "data"),
    "data_digest": ("tag", "data_digest"),
    "model": ("param", "choice.model"),
    "features": ("param", "choice.features"),
    "thresholds": ("param", "choice.thresholds"),
    "git_commit": ("tag", "git_commit"),
    "tagger_digest": ("tag", "tagger_digest"),
    "code_digest": ("tag", "code_digest"),
}


@dataclass(frozen=True)
class Registered:
    version: str
    champion: bool  # whether the alias now points at it
    reason: str  # why the alias moved or not, for the terminal
    new: bool = True  # False: an earlier version holds the very same tagger file and code

    def summary(self, name: str, alias: str) -> str:
        """One line for the terminal: the version and what became of the alias."""
        state = f"now @{alias}" if self.champion else f"@{alias} unchanged"
        if not self.new:
            state = f"the same tagger file and code: not registered again; {state}"
        return f"{name} version {self.version} ({state}: {self.reason})"


@dataclass(frozen=True)
class Registry:
    model: str
    alias: str
    force_champion: bool = False
    # the pipeline's data (conf/train.yaml's default): a run on it takes the alias from a holder
    # evaluated on other data, as what `make run` saves, not the first run a new store saw
    home_data: str = ""

    def register(self, run) -> Registered:
        """Register the run's logged model as a new version, described and tagged, and move the
        alias to it if it earns it. A tagger file byte for byte an earlier version's, run by the
        same code (a rerun on the same data and configuration), is not registered again: that
        version stands for it."""
        client = MlflowClient()
        macro_f1 = run.data.metrics["macro_f1"]
        tags = version_tags(run)
        same = self.version_with(client, tags["tagger_digest"], tags["code_digest"])
        if same is not None:  # it stands for this run: the alias is weighed as for a new one
            moved = self.promote(same, macro_f1, tags["data_digest"], tags["data"])
            return Registered(same, *moved, new=False)
        made = mlflow.register_model(run.data.tags["model_uri"], self.model, tags=tags)
        client.update_model_version(
            self.model,
            made.version,
            description=(
                f"{run.info.run_name}: macro-F1 {macro_f1:.3f} (grouped cross-validation) on "
                f"{tags['data']} ({tags['data_digest'][:12]})"
            ),
        )
        moved, reason = self.promote(str(made.version), macro_f1, tags["data_digest"], tags["data"])
        return Registered(str(made.version), moved, reason)

    def version_with(
        self, client: MlflowClient, tagger_digest: str, code_digest: str
    ) -> str | None:
        """The version whose tagger file and code have these digests, if one has (a version
        keeps the code it was logged with, so new code makes a new version)."""
        if not tagger_digest or not code_digest:
            return None
        wanted = (tagger_digest, code_digest)
        found = [
            int(v.version)
            for v in client.search_model_versions(f"name='{self.model}'")
            if (v.tags.get("tagger_digest"), v.tags.get("code_digest")) == wanted
        ]
        return str(min(found)) if found else None

    def promote(
        self, version: str, macro_f1: float, data_digest: str, data: str = ""
    ) -> tuple[bool, str]:
        """Move the alias to ``version`` when it scores at least as well as the current holder on
        the same data (or when forced). Macro-F1s on different data do not compare: then a
        version on the pipeline's data (``home_data``) takes the alias from one on data of
        another name, and no other version takes it."""
        client = MlflowClient()
        try:
            current = client.get_model_version_by_alias(self.model, self.alias)
        except MlflowException:
            current = None
        if current is not None and str(current.version) == version:  # a rerun of the champion
            return True, "it held the alias already"
        if self.force_champion or current is None:
            client.set_registered_model_alias(self.model, self.alias, version)
            return True, "forced" if current is not None else "no version held it"
        held = client.get_run(current.run_id)
        best = held.data.metrics.get("macro_f1", float("-inf"))
        if held.data.tags.get("data_digest") != data_digest:
            held_on = held.data.tags.get("data", "?")
            # a holder on the pipeline's data under another digest (labels edited, a file
            # swapped under the same name) keeps it: that run's score may yet be the better
            if self.home_data and data == self.home_data and held_on != self.home_data:
                client.set_registered_model_alias(self.model, self.alias, version)
                return True, (
                    f"version {current.version} held it, evaluated on other data ({held_on}); "
                    f"this run is on the pipeline's data ({data})"
                )
            return False, (
                f"version {current.version} holds it, evaluated on other data ({held_on}): "
                "the scores do not compare; mlflow.force_champion=true moves it"
            )
        # a tie goes to the newer version: as good, and made by today's code and configuration,
        # so that the champion (what `make serve` serves) stays the Tagger `make run` saved
        newer = int(version) > int(current.version)
        if not (macro_f1 > best or (macro_f1 == best and newer)):  # NaN beats nothing
            return False, f"version {current.version} holds it with macro-F1 {best:.3f}"
        client.set_registered_model_alias(self.model, self.alias, version)
        if macro_f1 == best:
            return True, f"macro-F1 {macro_f1:.3f} ties version {current.version}'s: the newer"
        return True, f"macro-F1 {macro_f1:.3f} beats version {current.version}'s {best:.3f}"


def version_tags(run) -> dict[str, str]:
    tags = {"macro_f1": f"{run.data.metrics['macro_f1']:.4f}", "run_name": run.info.run_name}
    for name, (kind, key) in VERSION_TAGS.items():
        source = run.data.tags if kind == "tag" else run.data.params
        tags[name] = source.get(key, "")
    return tags


def download_model(uri: str, into: Path | None = None) -> Path:
    """The local folder of an MLflow model (``models:/name/N``, ``runs:/id/tagger``): in a local
    store, the store's own folder unless ``into`` is given; from a remote one, a download (into
    ``into`` if given, else a temporary folder MLflow leaves behind)."""
    connect_to_read(uri)
    try:
        where = str(into) if into is not None else None
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=where))
    except (MlflowException, OSError) as exc:
        raise cannot_fetch(uri, exc) from None


def tagger_file(folder: Path, uri: str) -> Path:
    """The tagger file in a downloaded model's ``folder``."""
    found = sorted(folder.rglob("*.skops"))
    if not found:
        raise ModelError(f"model {uri} holds no tagger file (*.skops)")
    return found[0]


@contextmanager
def fetched_tagger(uri: str) -> Iterator[Path]:
    """The tagger file of an MLflow model (``models:/name@alias``, ``runs:/id/tagger``), fetched
    into a temporary folder that is removed when the caller is done: left to MLflow, a remote
    store's download would stay in the system's temporary folder after every run."""
    with tempfile.TemporaryDirectory(prefix="ofsted-model-") as folder:
        yield tagger_file(download_model(uri, Path(folder)), uri)


def pinned(uri: str) -> tuple[str, str | None]:
    """``models:/name@alias`` as the ``models:/name/N`` it names now, and N, so that the version
    reported is the version downloaded even if the alias moves meanwhile. Other URIs are given
    back as they are, with N when they name one (``models:/name/N``) and None otherwise."""
    number = re.fullmatch(r"models:/([^/@]+)/(\d+)", uri)
    if number:
        return uri, number[2]
    alias = re.fullmatch(r"models:/([^/@]+)@(.+)", uri)
    if not alias:
        return uri, None
    connect_to_read(uri)
    try:
        version = str(MlflowClient().get_model_version_by_alias(alias[1], alias[2]).version)
    except (MlflowException, OSError) as exc:
        raise cannot_fetch(uri, exc) from None
    return f"models:/{alias[1]}/{version}", version


def connect_to_read(uri: str) -> None:
    """Connect to the store a model is read from; a SQLite store that does not exist is an
    error, not a new empty store left in the folder the command ran from."""
    database = sqlite_file(store_uri())
    if database is not None and not database.is_file():
        raise ModelError(
            f"cannot fetch model {uri}: no MLflow store at {database.resolve()} (run from the "
            "project folder, or set MLFLOW_TRACKING_URI)"
        )
    connect()


def cannot_fetch(uri: str, cause: Exception) -> ModelError:
    return ModelError(f"cannot fetch model {uri} from {mlflow.get_tracking_uri()}: {cause}")
