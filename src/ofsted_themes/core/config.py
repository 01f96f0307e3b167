"""Hydra helpers: the config folder, custom resolvers, and a pre-flight check of overrides that
turns Hydra's composition errors into one line saying what to fix."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from omegaconf import OmegaConf

CONF_ENV = "OFSTED_THEMES_CONF"


def find_conf_dir() -> Path:
    """The configuration folder: ``$OFSTED_THEMES_CONF`` if set, else the checkout's ``conf/``
    (beside ``src/``), else the copy a wheel ships inside the package."""
    if os.environ.get(CONF_ENV):
        return Path(os.environ[CONF_ENV]).resolve()
    checkout = Path(__file__).resolve().parents[3] / "conf"
    if (checkout / "train.yaml").is_file():
        return checkout
    return Path(str(resources.files("ofsted_themes") / "conf"))


CONF_DIR = find_conf_dir()


def _phrase_lists(themes):
    """Theme id -> its phrases: what the phrase features and rules need of the theme config."""
    lists = {theme_id: list(fields.get("phrases") or []) for theme_id, fields in themes.items()}
    return OmegaConf.create(lists)


def _descriptions(themes):
    """Theme id -> its description, for the embedding similarity features."""
    return OmegaConf.create({t: str(fields.get("description", "")) for t, fields in themes.items()})


def register_resolvers() -> None:
    for name, resolver in (("phrase_lists", _phrase_lists), ("descriptions", _descriptions)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


def _jobs_to_check(args: list[str]) -> list[list[str]]:
    """Override lists that together try every value of every choice sweep once (ranges and
    intervals are dropped: Hydra checks their syntax while parsing)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    fixed, sweeps = [], []
    for override in OverridesParser.create().parse_overrides(args):
        if not override.is_sweep_override():
            fixed.append(override.input_line)
        elif override.is_choice_sweep():
            key = override.get_key_element()
            sweeps.append([f"{key}={v}" for v in override.sweep_string_iterator()])
    firsts = [values[0] for values in sweeps]
    jobs = [fixed + firsts]
    for i, values in enumerate(sweeps):
        jobs += [fixed + firsts[:i] + [v] + firsts[i + 1 :] for v in values[1:]]
    return jobs


# Hydra's own flags that take a value: the value is not an override.
FLAGS_WITH_VALUE = {
    "--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
    "--config-dir", "-cd", "--info", "-i", "--experimental-rerun",
}  # fmt: skip


def overrides_of(argv: list[str]) -> list[str]:
    """The overrides of a Hydra command line: neither flags nor the values of flags."""
    overrides, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in FLAGS_WITH_VALUE
        else:
            overrides.append(arg)
    return overrides


def check_overrides(config_name: str, argv: list[str]) -> str | None:
    """None if the command line composes and every key it adds is read; else a one-line message
    naming what to fix."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_resolvers()
    args = overrides_of(argv)
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            for overrides in _jobs_to_check(args):
                cfg = compose(config_name, overrides=overrides)
                if problem := _unread_addition(cfg, overrides):
                    return problem
    except (HydraException, OmegaConfBaseException, ValueError) as error:
        return _one_line(error, config_name)
    return None


def _unread_addition(cfg, overrides: list[str]) -> str | None:
    """Why a key added with ``+`` would be read by nothing, if it would: only an estimator's or
    a feature's settings (a node with a ``_target_``) take any key, and a wrong one fails when
    built, as do the themes (each read whole: a new theme, a theme's field); elsewhere
    ("+model.C=3") the run would train the default, named as if it had not."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.key_or_group
        read_whole = key.startswith(("hydra.", "themes.")) or (CONF_DIR / key).is_dir()
        if not override.is_add() or read_whole or key in data_keys():
            continue
        parent = key.rpartition(".")[0]
        node = OmegaConf.select(cfg, parent) if parent else cfg
        if OmegaConf.is_dict(node) and "_target_" not in node:
            hint = _did_you_mean(cfg, key) or " (check the key's spelling)"
            return f"+{key} adds a key that nothing reads{hint}"
    return None


def data_keys() -> set[str]:
    """``data.<key>`` for every key a data option sets: the loaders read each where it is
    given, so one added to an option without it ("+data.user_labels=…") is read."""
    keys = set()
    for option in (CONF_DIR / "data").glob("*.yaml"):
        keys |= {f"data.{k}" for k in OmegaConf.load(option) if k != "defaults"}
    return keys


def _did_you_mean(cfg, key: str) -> str:
    """The config's keys that end as ``key`` does, or look like it, as a hint."""
    import difflib

    paths = [
        p
        for p in _leaf_paths(OmegaConf.to_container(cfg, resolve=False))
        if p != key and not p.endswith("_target_")
    ]
    last = key.rpartition(".")[2]
    close = [p for p in paths if p.rpartition(".")[2] == last]
    close = close or difflib.get_close_matches(key, paths, n=3)
    return f": did you mean {' or '.join(close)}?" if close else ""


def _leaf_paths(node: object, prefix: str = ""):
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _leaf_paths(value, f"{prefix}{name}.")
    else:
        yield prefix.rstrip(".")


def _one_line(error: Exception, config_name: str) -> str:
    text = str(error).strip()
    if "Could not find" in text and "Available options" in text:
        head, options = text.split("Available options", 1)
        listed = options.split("Config search path")[0].splitlines()[1:]
        choices = ", ".join(o.strip() for o in listed if o.strip())
        return f"{head.strip()}: choose one of {choices}"
    first = text.splitlines()[0] if text else type(error).__name__
    if "is not in struct" in text or "Could not override" in text:
        key = re.search(r"'([\w.]+)'", first)
        if key and (hint := _did_you_mean(_defaults(config_name), key.group(1))):
            return f"{first.rstrip('.')}: no such key{hint}"
        return f"{first} (check the key's spelling; add a new key with +key=value)"
    return first


def _defaults(config_name: str, hydra: bool = False):
    """The config with no override (and Hydra's own node, ``hydra``), composed inside a running
    app too."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        return compose(config_name, return_hydra_config=hydra)
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name, return_hydra_config=hydra)


def default_choice(config_name: str, group: str) -> str:
    """The option the config's defaults list chooses in ``group`` ("seeds+letters" for data)."""
    return str(_defaults(config_name, hydra=True).hydra.runtime.choices.get(group) or "")
