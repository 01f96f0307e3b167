"""Short, readable run names built from the config choices and the overrides that made a run:
``logreg·words_chars·C=0.3``, ``sweep·model=logreg,linear_svc``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SEPARATOR = "·"
# Settings that say where a run writes, how it is tracked or where labels it may not use are
# kept, not what its model is: runs are not named by them, and a Tagger's metadata leaves them
# out (so that the same data and configuration make the same file wherever it is saved).
NOT_THE_MODEL = ("hydra", "mlflow", "output", "user_labels")
NAMED_BY_CHOICE = ("model", "features")
MAX_NAME = 250


def short_value(value: str) -> str:
    """Numbers to four significant digits (an Optuna trial's 0.30000000000000004 reads 0.3)."""
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and "." not in value and "e" not in value.lower():
        return value
    return f"{number:.4g}"


def short_override(override: str) -> str:
    """``model.estimator.C=0.300001`` -> ``C=0.3``; ``data=seeds`` stays as it is."""
    key, _, value = override.partition("=")
    values = ",".join(short_value(v) for v in value.split(","))
    return f"{key.rsplit('.', 1)[-1]}={values}"


def setting_of(override: str) -> str:
    """The top-level setting an override changes (``output`` for ``+output.model=…``,
    ``hydra`` for ``hydra/launcher=joblib``)."""
    return override.split("=", 1)[0].lstrip("+~").split(".", 1)[0].split("/", 1)[0]


def naming_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that say what the model is."""
    return [o for o in overrides if setting_of(o) not in NOT_THE_MODEL]


def run_name(choices: Mapping[str, str], overrides: Iterable[str]) -> str:
    """The model and features chosen, then whatever else the run overrode."""
    parts = [str(choices.get(group, "?")) for group in NAMED_BY_CHOICE]
    for override in naming_overrides(overrides):
        if override.partition("=")[0] not in NAMED_BY_CHOICE:
            parts.append(short_override(override))
    return SEPARATOR.join(parts)[:MAX_NAME]


def sweep_name(overrides: Iterable[str]) -> str:
    swept = [short_override(o) for o in naming_overrides(overrides)]
    return SEPARATOR.join(["sweep", *swept])[:MAX_NAME] if swept else "sweep"
