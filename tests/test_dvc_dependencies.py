"""dvc.yaml's dependencies are true: each stage depends on the package folders its command
imports and on the config groups it reads, so that an edit re-runs exactly the stages it can
change (checked with `dvc status` on a copy of the project, and against the imports themselves)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DVC = Path(sys.executable).with_name("dvc")
STAGE_COMMANDS = {"prepare": "ofsted_themes.cli.prepare", "train": "ofsted_themes.cli.train",
                  "tag": "ofsted_themes.cli.tag"}  # fmt: skip
# What an edit of each place may change. `tag` loads a model by URI through tracking, but the
# pipeline's tag stage reads the model file that `train` writes, so tracking is not its input.
EXPECTED = {
    "src/ofsted_themes/core/atomic.py": {"prepare", "train", "tag"},
    "src/ofsted_themes/reading/sentences.py": {"prepare", "train", "tag"},
    "src/ofsted_themes/modelling/features.py": {"train", "tag"},
    "src/ofsted_themes/training/evaluation.py": {"prepare", "train"},
    "src/ofsted_themes/tagging/batch.py": {"tag"},
    "src/ofsted_themes/reporting/html.py": {"tag"},
    "src/ofsted_themes/labelling/selection.py": set(),
    "src/ofsted_themes/tracking/runs.py": {"train"},
    "src/ofsted_themes/cli/label.py": set(),
    "src/ofsted_themes/cli/tag.py": {"tag"},
    "conf/model/logreg.yaml": {"train"},
    "conf/themes/cse.yaml": {"prepare", "train"},
    "conf/hparams_search/optuna.yaml": set(),
    "conf/experiment/rules_baseline.yaml": set(),
    "data/letters/train/sentences.csv": {"train"},  # the default data's real letters
    "data/letters/test/sentences.csv": set(),  # held out: never trained on
    "inbox/sample-focused-visit.txt": {"tag"},
}
URI_ONLY = {"ofsted_themes.tracking"}  # reached from ofsted_themes.load_tagger for models:/ URIs


def copy_checkout(copy: Path, untracked: bool = True) -> Path:
    """The checkout's tracked files (and, with ``untracked``, the untracked ones not ignored), in
    a new repository: dvc needs one."""
    others = ["--others", "--exclude-standard"] if untracked else []
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", *others],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    return copy


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the checkout whose dvc.lock records its deps as they are."""
    copy = copy_checkout(tmp_path_factory.mktemp("dvc") / "project")
    # Stand-in outputs, committed to dvc.lock with the deps as they are: status then starts clean.
    for stage in yaml.safe_load((copy / "dvc.yaml").read_text())["stages"].values():
        for out in stage.get("outs", []) + stage.get("metrics", []) + stage.get("plots", []):
            name = out if isinstance(out, str) else next(iter(out))
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.suffix:
                target.write_text("{}")
            else:
                target.mkdir(exist_ok=True)
    done = subprocess.run([str(DVC), "commit", "--force"], cwd=copy, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return copy


def stages_with_changed_deps(project: Path) -> dict[str, set[str]]:
    done = subprocess.run(
        [str(DVC), "status", "--json"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    changed: dict[str, set[str]] = {}
    for stage, entries in json.loads(done.stdout or "{}").items():
        for entry in entries:
            if isinstance(entry, dict) and "changed deps" in entry:
                changed[stage] = set(entry["changed deps"])
    return changed


def test_the_committed_lock_records_the_deps_as_they_are(tmp_path):
    """A change to a stage's code, config or data must come with its dvc.lock: otherwise a
    fresh clone's `make run` reruns the stage and leaves dvc.lock modified in git."""
    copy = copy_checkout(tmp_path / "project", untracked=False)  # not the user's own letters
    stages = yaml.safe_load((copy / "dvc.yaml").read_text())["stages"].values()
    made = {next(iter(o)) if isinstance(o, dict) else o for s in stages for o in s.get("outs", [])}
    stale = {s: deps - made for s, deps in stages_with_changed_deps(copy).items() if deps - made}
    assert not stale, f"dvc.lock is out of date (run dvc repro and commit it): {stale}"


@pytest.mark.parametrize("edited, stages", sorted(EXPECTED.items()))
def test_an_edit_marks_exactly_the_stages_it_can_change(project, edited, stages):
    before = stages_with_changed_deps(project)
    path = project / edited
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "\n# an edit\n", encoding="utf-8")
        after = stages_with_changed_deps(project)
    finally:
        path.write_text(original, encoding="utf-8")
    newly = {s for s, deps in after.items() if deps - before.get(s, set())}
    assert newly == stages


def declared_folders(stage: str) -> set[str]:
    deps = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]["deps"]
    prefix = "src/ofsted_themes/"
    return {d.removeprefix(prefix).split("/")[0] for d in deps if d.startswith(prefix)}


@pytest.mark.parametrize("stage", sorted(STAGE_COMMANDS))
def test_each_stage_depends_on_every_folder_its_command_imports(stage):
    graph = grimp.build_graph("ofsted_themes")
    command = STAGE_COMMANDS[stage]
    imported = graph.find_upstream_modules(command) | {command}
    folders = {m.split(".")[1] for m in imported if m.count(".") >= 1}
    if stage == "tag":
        folders -= {m.split(".")[1] for m in URI_ONLY}
    assert folders <= declared_folders(stage), folders - declared_folders(stage)
