"""The DVC pipeline end to end, and the MLflow UI server over a real sweep's store."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from servers import running

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
GENERATED = {
    ".venv",
    ".tools",
    "mlflow.db",
    "mlruns",
    "outputs",
    "multirun",
    "reports",
    "dvc_plots",
}

pytestmark = pytest.mark.slow


def project_copy(tmp_path: Path) -> Path:
    """The project as a fresh clone would have it: sources, data, config, git; nothing generated."""
    copy = tmp_path / "project"

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in GENERATED or n in {"__pycache__", ".pytest_cache"}}
        if Path(folder).name == "models":
            skip |= {n for n in names if n != ".gitkeep"}
        if Path(folder).name == ".dvc":
            skip |= {"cache", "tmp"}
        if Path(folder).name == ".git":  # a git command running meanwhile holds index.lock,
            skip |= {n for n in names if n.endswith(".lock")}  # which vanishes as it is copied
        if Path(folder) == ROOT / "data":
            skip.add("prepared.csv")
        return skip

    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    return copy


def dvc(project: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dvc"), *args], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",  # `python` in dvc.yaml is this one
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}",
        "PYTHONPATH": "",
    }


def test_dvc_repro_runs_the_pipeline_once_and_reruns_only_what_changed(tmp_path, env):
    (tmp_path / "store").mkdir()
    project = project_copy(tmp_path)
    env["PYTHONPATH"] = str(project / "src")  # the copy's code, not the installed checkout's

    first = dvc(project, "repro", env=env)
    assert first.returncode == 0, first.stderr + first.stdout
    for stage in ("prepare", "train", "tag"):
        assert f"Running stage '{stage}'" in first.stdout
    for output in (
        "data/prepared.csv",
        "models/tagger.skops",
        "reports/tags.csv",
        "reports/report.html",
    ):
        assert (project / output).is_file(), output

    second = dvc(project, "repro", env=env)
    assert second.returncode == 0
    assert "Running stage" not in second.stdout

    # A letter put in the inbox is tagged by the next run; the model is not retrained.
    letter = (project / "inbox" / "sample-focused-visit.txt").read_text()
    (project / "inbox" / "my-letter.txt").write_text(letter.replace("Kestrel", "Ashmoor"))
    changed = set(json.loads(dvc(project, "status", "--json", env=env).stdout))
    assert "tag" in changed and "train" not in changed
    assert dvc(project, "repro", "tag", env=env).returncode == 0
    tagged = pd.read_csv(project / "reports" / "letters.csv")
    assert "inbox/my-letter.txt" in set(tagged["document"])

    logreg = project / "conf" / "model" / "logreg.yaml"
    before = logreg.read_text()
    logreg.write_text(re.sub(r"(?m)^  C: .*$", "  C: 5", before))
    assert logreg.read_text() != before
    changed = set(json.loads(dvc(project, "status", "--json", env=env).stdout))
    assert "train" in changed  # tag follows once train has made a new model
    assert "prepare" not in changed

    labels = project / "data" / "sentences.csv"
    labels.write_text(labels.read_text().replace("\n", "\r\n", 1))  # any edit of the labelled set
    changed = set(json.loads(dvc(project, "status", "--json", env=env).stdout))
    assert {"prepare", "train"} <= changed

    metrics = dvc(project, "metrics", "show", "--json", env=env)
    assert metrics.returncode == 0
    assert "macro_f1" in metrics.stdout
    assert_plots_are_images(project, env)


def assert_plots_are_images(project: Path, env: dict) -> None:
    """`dvc plots show` makes a page of images, readable with no network (no Vega charts)."""
    shown = dvc(project, "plots", "show", "-o", "plots_page", env=env)
    assert shown.returncode == 0, shown.stderr
    page = (project / "plots_page" / "index.html").read_text()
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) == 4  # one per theme
    assert all((project / "plots_page" / unquote(src)).is_file() for src in images)
    assert "vegaEmbed(" not in page


def get(base: str, path: str, **query) -> dict:
    url = f"{base}/api/2.0/mlflow/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/2.0/mlflow/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory) -> tuple[Path, dict]:
    """A store holding a two-job sweep, shared by the UI tests; with the environment using it."""
    folder = tmp_path_factory.mktemp("ui")
    store = folder / "store"
    store.mkdir()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": ""}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{store / 'mlflow.db'}"
    outputs = [f"hydra.sweep.dir={folder / 'sweep'}"]
    done = subprocess.run(
        [sys.executable, "-m", "train", "-m", "model=logreg,phrase_rules", *outputs],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return store / "mlflow.db", env


@pytest.fixture(scope="module")
def server(sweep_store: tuple[Path, dict]):
    store, env = sweep_store
    command = [
        str(BIN / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{store}",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
    ]  # fmt: skip
    env = {**env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with running(command, env, "/health", wait=90) as base:
        yield base


def test_the_ui_server_shows_the_sweep_its_runs_and_the_champion(server):
    experiment = get(server, "experiments/get-by-name", experiment_name="train")["experiment"]
    runs = post(server, "runs/search", {"experiment_ids": [experiment["experiment_id"]]})["runs"]
    assert len(runs) == 3

    def tags(run: dict) -> dict:
        return {t["key"]: t["value"] for t in run["data"].get("tags", [])}

    parents = [r for r in runs if "mlflow.parentRunId" not in tags(r)]
    children = [r for r in runs if "mlflow.parentRunId" in tags(r)]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert tags(parent)["mlflow.runName"] == "sweep·model=logreg,phrase_rules"
    assert {tags(c)["mlflow.parentRunId"] for c in children} == {parent["info"]["run_id"]}
    assert "macro_f1" in {m["key"] for m in parent["data"]["metrics"]}

    models = set()
    for child in children:
        params = {p["key"]: p["value"] for p in child["data"]["params"]}
        metrics = {m["key"] for m in child["data"]["metrics"]}
        models.add(params["choice.model"])
        assert params["choice.features"]
        assert {"macro_f1", "micro_f1", "f1_cse", "f1_oversight"} <= metrics
        expected = f"{params['choice.model']}·{params['choice.features']}"
        assert tags(child)["mlflow.runName"] == expected
        artifacts = get(server, "artifacts/list", run_id=child["info"]["run_id"])
        names = {f["path"] for f in artifacts.get("files", [])}
        assert {"plots", "out_of_fold.csv", "config.yaml"} <= names
    assert models == {"logreg", "phrase_rules"}

    model = get(server, "registered-models/get", name="ofsted-themes")["registered_model"]
    aliases = {a["alias"]: a["version"] for a in model.get("aliases", [])}
    assert "champion" in aliases
    champion = get(server, "model-versions/get", name="ofsted-themes", version=aliases["champion"])
    assert champion["model_version"]["run_id"] in {c["info"]["run_id"] for c in children}


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser: {CHROMIUM} is not installed")
def test_the_ui_opens_on_runs_ranked_by_macro_f1_with_readable_names(server, tmp_path):
    """In a real browser, through docs/mlflow_screenshots.py (the README's screenshots)."""
    pytest.importorskip("playwright")
    experiment = get(server, "experiments/get-by-name", experiment_name="train")["experiment"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "mlflow_screenshots.py"), "--url", server,
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["view"] == "Runs"  # the model-training view (the GenAI view says "Training runs")
    columns = list(dict.fromkeys(seen["columns"]))
    assert columns.index("macro_f1") < columns.index("f1_cse") < columns.index("Duration")
    assert "choice.data" in columns  # the data each run was scored on: scores on others differ
    names = [name.splitlines()[-1] for name in seen["runs"]]
    assert set(names) == {"sweep·model=logreg,phrase_rules", "logreg·words_chars",
                          "phrase_rules·words_chars"}  # fmt: skip
    assert seen["names_fit"]
    runs = post(server, "runs/search", {"experiment_ids": [experiment["experiment_id"]]})["runs"]

    def macro_f1(run: dict) -> float:
        return {m["key"]: float(m["value"]) for m in run["data"]["metrics"]}["macro_f1"]

    first = next(r for r in runs if r["info"]["run_name"] == names[0])
    assert macro_f1(first) == max(macro_f1(r) for r in runs)
    assert "Comparing" in seen["compare"] and "macro_f1" in seen["compare"]
    for image in ("mlflow-runs.png", "mlflow-compare.png"):
        assert (tmp_path / image).read_bytes()[:4] == b"\x89PNG"
