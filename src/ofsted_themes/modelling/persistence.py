"""Model files: one skops file (no pickle) holding a dict, read back trusting only
scikit-learn's types and this package's model classes. Never imports mlflow."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import takewhile
from pathlib import Path
from types import ModuleType
from typing import Any

from ofsted_themes.core.atomic import write_atomic
from ofsted_themes.core.errors import OfstedThemesError, looked_in

# 2: the concern model may read direction cues beside the classifier's features, which a
# version reading format 1 would leave out (every letter failing on the matrix's width)
FORMAT_VERSION = 2
READABLE_VERSIONS = frozenset({1, FORMAT_VERSION})  # a format 1 file has no cues: read as it is
# Beyond scikit-learn's estimators (:func:`is_sklearn_estimator`) and what skops trusts by default
# (numpy arrays, scipy matrices), a tagger file may hold only these classes; anything else (a
# function such as builtins.eval, say) is refused.
TRUSTED_TYPES = frozenset(
    {
        "ofsted_themes.modelling.features.ThemePhraseFeatures",
        "ofsted_themes.modelling.features.SentenceEmbeddings",
        "ofsted_themes.modelling.classifier.ThemeClassifier",
        "ofsted_themes.modelling.vectorizers.CachedTfidfVectorizer",
        # scikit-learn's own calibration parts, inside `model=linear_svc`
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
    }
)


class ModelError(OfstedThemesError, ValueError):
    """A model file that is missing, unreadable or incompatible, worded for the user."""


def write_model(path: Path | str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (with the format version added) as a skops file, atomically."""
    sio = skops_io()
    data = reproducible(sio.dumps({"format_version": FORMAT_VERSION, **payload}))
    return write_atomic(path, lambda f: f.write(data), mode="wb")


def reproducible(archive: bytes) -> bytes:
    """The skops zip archive made byte-for-byte reproducible, so that the same model gives the
    same file (and a pipeline that rebuilds it sees nothing changed): skops names objects by
    their memory address (``__id__``, ``<id>.npy``), which differs run to run; they are
    renumbered in order of appearance, other stored addresses zeroed, and every member gets one
    fixed date."""
    import io
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(archive))
    schema = source.read("schema.json").decode()
    numbers: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        number = numbers.setdefault(match.group(2), str(len(numbers) + 1))
        return match.group(1) + number + match.group(3)

    schema = re.sub(r'("__id__": |")(\d+)(\.npy"|(?=[,\s}]))', renumber, schema)
    # scikit-learn's tf-idf keeps the address of its stop-word list, only to notice it changing
    schema = re.sub(r'("_stop_words_id": \{[^}]*?"content": ")\d+"', r'\g<1>0"', schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            stem, _, suffix = member.filename.partition(".")
            name = member.filename
            if suffix == "npy" and stem in numbers:
                name = f"{numbers[stem]}.npy"
            data = schema.encode() if name == "schema.json" else source.read(member)
            fixed = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = member.compress_type
            fixed.external_attr = member.external_attr
            target.writestr(fixed, data)
    return out.getvalue()


def read_model(path: Path | str) -> dict[str, Any]:
    """The payload of a model file written by :func:`write_model`; ``ModelError`` says why a
    file cannot be used (missing, foreign, untrusted types, another format version)."""
    sio = skops_io()
    path = Path(path)
    if path.is_dir():
        raise ModelError(
            f"model {path} is a folder: give the model file (e.g. {path}/tagger.skops)"
        )
    if path.exists() and not path.is_file():  # a device, a pipe: never read (it may not end)
        raise ModelError(f"model {path} is not a regular file: give the model file")
    if not path.is_file():
        raise ModelError(
            f"model file {path} not found{looked_in(path)}: train one with `python -m train`"
        )
    try:
        data = path.read_bytes()
        untrusted = sio.get_untrusted_types(data=data)
        unknown = [t for t in untrusted if t not in TRUSTED_TYPES and not is_sklearn_estimator(t)]
        if unknown:
            raise ModelError(f"model file {path} holds types this tool does not trust: {unknown}")
        payload = sio.loads(data, trusted=untrusted)
    except ModelError:
        raise
    except Exception as exc:  # skops raises many kinds on a foreign or damaged file
        raise ModelError(f"model file {path} is not a tagger saved by this tool ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format_version") not in READABLE_VERSIONS:
        raise ModelError(
            f"model file {path} was saved by an incompatible version: "
            "retrain with `python -m train`"
        )
    return payload


def skops_io():
    """``skops.io``, imported without the scans its default trust lists are built from, most of
    the CPU time of tagging one letter from a cold start: every scikit-learn module imported to
    list every estimator class, every scipy ufunc looked for in every loaded module, and
    scikit-learn's ensembles imported for the internal types of gradient boosting, and its
    clustering for one type skops refuses to save. A file's
    scikit-learn types are checked one by one instead (:func:`is_sklearn_estimator`), importing
    only the packages the tagger uses, and no tagger holds a scipy ufunc or a boosted tree. The
    price: in a process that imported skops here first, skops's own default trusts none of these
    (``skops.io.load`` needs them in ``trusted=``), and it would not refuse to save a Birch
    model (no tagger holds one); this module always passes the trusted types. Imported
    elsewhere first (the scans done), skops trusts them itself: files load either way. The
    import holds a lock, so that two threads loading models at once neither import skops twice
    nor restore each other's stand-ins; another thread that uses scipy's special functions or
    scikit-learn's ensembles or clustering (or imports them, or scikit-learn's mixture models,
    which import clustering) during those tenths of a second would find them missing."""
    with _IMPORTING:
        if "skops.io" not in sys.modules:
            with _without_trust_scans():
                import skops.io
    import skops.io

    return skops.io


_IMPORTING = threading.Lock()


@contextmanager
def _without_trust_scans() -> Iterator[None]:
    """Stand-ins for what skops scans at import, put back when it has been imported."""
    import scipy
    import scipy.special
    import sklearn.utils
    from skops.utils._fixes import get_scipy_ufunc_wrapper_type

    saved = sklearn.utils.all_estimators, scipy.special
    sklearn.utils.all_estimators = lambda type_filter=None: []
    # Where scipy wraps its functions in a type of its own (2.0 on), skops records that type at
    # import from scipy.special itself: there the scan is left to run.
    if get_scipy_ufunc_wrapper_type() is None:
        scipy.special = ModuleType("scipy.special")  # no functions to list
    # skops tries this import for the internal types of gradient boosting; None in sys.modules
    # makes it an ImportError, which skops expects where boosting is missing
    blocked = "sklearn.ensemble" not in sys.modules
    if blocked:
        sys.modules["sklearn.ensemble"] = None  # type: ignore[assignment]
    # skops imports scikit-learn's clustering (and with it its metrics and neighbours, a tenth of
    # a second) only to name Birch among the types it refuses to save: a stand-in names it
    stand_in = None
    if "sklearn.cluster" not in sys.modules:
        stand_in = sys.modules["sklearn.cluster"] = _cluster_stand_in()
    try:
        yield
    finally:
        sklearn.utils.all_estimators, scipy.special = saved
        if blocked and sys.modules.get("sklearn.ensemble", False) is None:
            del sys.modules["sklearn.ensemble"]
        if stand_in is not None and sys.modules.get("sklearn.cluster") is stand_in:
            del sys.modules["sklearn.cluster"]  # a later import finds the real one


def _cluster_stand_in() -> ModuleType:
    module = ModuleType("sklearn.cluster")
    module.Birch = type("Birch", (), {})  # type: ignore[attr-defined]
    return module


# Where scikit-learn's own list of its estimators (``all_estimators``, skops's default trust)
# does not look: tests, vendored code, experimental features.
NOT_ESTIMATOR_PACKAGES = {
    "tests",
    "externals",
    "setup",
    "conftest",
    "experimental",
    "estimator_checks",
}


def is_sklearn_estimator(type_name: str) -> bool:
    """Whether ``type_name`` names a class scikit-learn lists among its estimators, as skops's
    default trust does: public, concrete, a ``BaseEstimator``, exported by a public package.
    Only that package is imported (which imports the class's module itself), and nothing is
    imported for a name outside the packages the list covers."""
    from sklearn.base import BaseEstimator

    module, _, name = type_name.rpartition(".")
    parts = module.split(".")
    if parts[0] != "sklearn" or name.startswith("_") or name == "BaseEstimator":
        return False
    if NOT_ESTIMATOR_PACKAGES & set(parts):
        return False
    public = ".".join(takewhile(lambda part: not part.startswith("_"), parts))
    try:
        found = getattr(importlib.import_module(public), name, None)
    except ImportError:
        return False
    return (
        isinstance(found, type)
        and issubclass(found, BaseEstimator)
        and f"{found.__module__}.{found.__qualname__}" == type_name
        and not getattr(found, "__abstractmethods__", None)
    )
