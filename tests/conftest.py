"""Shared fixtures: the project root, the configured theme ids, a tiny hand-labelled corpus, a
throw-away MLflow store under tmp_path and a small trained tagger file (once per session)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The project folder (where conf/ and the labelled data live)."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def configured_theme_ids() -> list[str]:
    """The theme ids of the default training config, in config order."""
    from hydra import compose, initialize_config_dir

    from ofsted_themes.core.config import CONF_DIR, register_resolvers

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train")
    return [str(t) for t in cfg.themes]


@dataclass(frozen=True)
class TinyCorpus:
    """Hand-made sentences in three articles, labelled for the four configured themes."""

    theme_ids: list[str]
    phrases: dict[str, list]
    texts: np.ndarray  # object array of str
    Y: np.ndarray  # (sentences, themes) of 0/1
    groups: np.ndarray  # article of each sentence


_TINY_ROWS = [
    # article, text, themes
    ("a", "Children at risk of sexual exploitation were not always identified.", "cse"),
    ("a", "Grooming and trafficking of teenagers were not recognised.", "cse"),
    ("a", "Two girls went missing from care several times last year.", "missing"),
    ("a", "Social workers told inspectors their caseloads are too high.", "staffing"),
    ("a", "Managers' oversight of plans is weak and supervision is infrequent.", "oversight"),
    ("a", "Inspectors visited the offices in May.", ""),
    ("a", "Families praised the early help service.", ""),
    ("b", "Young people were exploited through county lines by older men.", "cse"),
    ("b", "Return home interviews are not completed after children go missing.", "missing"),
    ("b", "The council relies on agency staff to fill vacancies.", "staffing"),
    ("b", "Audits of casework do not identify weak practice.", "oversight"),
    ("b", "Leaders have set out a clear vision for the service.", ""),
    ("b", "The new building opened in the spring.", ""),
    ("c", "The exploitation panel reviews the risks to each child.", "cse"),
    ("c", "Some children are missing from education for months.", "missing"),
    ("c", "High turnover means many changes of social worker for children.", "staffing"),
    ("c", "Quality assurance and performance information are not used well.", "oversight"),
    ("c", "Partners attend strategy meetings promptly.", ""),
    ("c", "The local authority covers a large rural area.", ""),
]

_TINY_PHRASES = {
    "cse": ["exploitation", "county lines", "grooming", "trafficking"],
    "missing": ["missing from care", "missing from education", "return home interview"],
    "staffing": ["caseloads", "agency staff", "vacancies", "turnover", {"training": 0.5}],
    "oversight": ["oversight", "supervision", "audit", "quality assurance", {"data": 0.5}],
}


@pytest.fixture
def tiny_corpus() -> TinyCorpus:
    theme_ids = list(_TINY_PHRASES)
    Y = np.array([[int(t in themes.split()) for t in theme_ids] for _, _, themes in _TINY_ROWS])
    return TinyCorpus(
        theme_ids=theme_ids,
        phrases={t: list(p) for t, p in _TINY_PHRASES.items()},
        texts=np.array([text for _, text, _ in _TINY_ROWS], dtype=object),
        Y=Y,
        groups=np.array([article for article, _, _ in _TINY_ROWS], dtype=object),
    )


@pytest.fixture(scope="session")
def new_mlflow_store():
    """Make a SQLite MLflow store in a folder and return its URI. The `train` experiment is
    created with its artifacts in the same folder (MLflow would otherwise put them in ./mlruns
    of the working directory, i.e. in the project)."""

    def make(folder: Path) -> str:
        from mlflow import MlflowClient

        folder.mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        MlflowClient(uri).create_experiment(
            "train", artifact_location=(folder / "mlartifacts").as_uri()
        )
        return uri

    return make


@contextmanager
def _current_store(uri: str):
    """Make ``uri`` MLflow's store in this process (and its children), restoring after."""
    import mlflow

    with pytest.MonkeyPatch.context() as env:
        # mlflow.set_*_uri also write these variables: let monkeypatch restore them
        env.setenv("MLFLOW_TRACKING_URI", uri)
        env.setenv("MLFLOW_REGISTRY_URI", uri)
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        try:
            yield uri
        finally:
            mlflow.set_tracking_uri(None)
            mlflow.set_registry_uri(None)


@pytest.fixture(scope="session")
def current_mlflow_store():
    """A context manager making a store URI current for this process and its children."""
    return _current_store


@pytest.fixture
def mlflow_store(tmp_path, new_mlflow_store) -> str:
    """A throw-away MLflow store in tmp_path, current for this test."""
    with _current_store(new_mlflow_store(tmp_path / "mlflow")) as uri:
        yield uri


@pytest.fixture(scope="session")
def tagger_file(tmp_path_factory) -> Path:
    """A small Tagger trained once per session with the fast debug config (no MLflow) and saved
    under tmp: tests never depend on models/tagger.skops. Its themes are learned from the seed
    set; which of its tagged sentences raise a concern, from the letters' training split's
    direction labels (as the default tagger's), so that every output is tested with them."""
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from ofsted_themes.core.config import CONF_DIR, register_resolvers
    from ofsted_themes.core.themes import themes_from_config
    from ofsted_themes.modelling.concerns import concern_labels, fit_concerns
    from ofsted_themes.training.corpus import DataPaths, load_labelled
    from ofsted_themes.training.fitting import train
    from ofsted_themes.training.inspections import read_inspection_sentences

    register_resolvers()
    overrides = ["debug=fast"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    themes = themes_from_config(cfg.themes)
    relative = DataPaths.from_config(cfg.data)  # to the project, wherever pytest runs from
    paths = DataPaths(*(PROJECT_ROOT / getattr(relative, f.name) for f in fields(DataPaths)))
    frame = load_labelled(paths, [t.id for t in themes])
    result = train(
        instantiate(cfg.classifier, _convert_="all"),
        instantiate(cfg.thresholds),
        frame,
        themes,
        "article",  # the seed set alone, grouped by article: quick to train
        {"data": cfg.data.name, "overrides": overrides},
    )
    letters = read_inspection_sentences(PROJECT_ROOT / LETTERS_TRAIN, [t.id for t in themes])
    labelled, y = concern_labels(letters["direction"])
    texts = letters["text"].to_numpy()[labelled]
    cues = instantiate(cfg.concern_cues, _convert_="all")
    model = instantiate(cfg.concern_model)
    result.tagger.concern_model = fit_concerns(model, result.tagger.classifier, texts, y, cues)
    result.tagger.concern_cues = cues
    return result.tagger.save(tmp_path_factory.mktemp("model") / "tagger.skops")


LETTERS_TRAIN = "data/letters/train/sentences.csv"


@pytest.fixture
def refuse_to_open():
    """Make opening files of one name fail with permission denied (tests run as root, where
    chmod 000 does not stop reading)."""

    def refuse(monkeypatch, name: str) -> None:
        real_open = Path.open

        def guarded(self, *args, **kwargs):
            if self.name == name:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", guarded)

    return refuse


@pytest.fixture
def interrupt_third_letter():
    """A function that makes tagging raise KeyboardInterrupt (Ctrl-C) on the third letter and
    returns the list of letters tagged so far."""
    from ofsted_themes.tagging import letters as tagging

    def interrupt(monkeypatch) -> list[str]:
        seen: list[str] = []
        real = tagging.tag_letter

        def tag_letter(tagger, letter, tags=None):
            seen.append(letter.document)
            if len(seen) == 3:
                raise KeyboardInterrupt
            return real(tagger, letter, tags)

        monkeypatch.setattr(tagging, "tag_letter", tag_letter)
        return seen

    return interrupt
