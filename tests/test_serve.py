"""REST serving (`make serve`): the real `mlflow models serve` on the registered champion, on a
free loopback port. Its answers equal `tag`'s; a bad request gets a 400 saying what is wrong,
and the server stays up for the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import letter_factory as lf
import pandas as pd
import pytest
from servers import running, train_registered

from ofsted_themes.core.tables import read_table

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_mlflow_store) -> tuple[str, Path]:
    """A store whose champion is a quickly trained Tagger; its URI and the Tagger file."""
    folder = tmp_path_factory.mktemp("serve")
    uri = new_mlflow_store(folder / "mlflow")
    # with the letters, whose direction labels give it a concern model (two folds: quick)
    return uri, train_registered(folder, uri, "data=seeds+letters", "cv.max_folds=2")


@pytest.fixture(scope="module")
def server(store):
    """`mlflow models serve` as `make serve` runs it; stopped (the whole group) at the end."""
    uri, _ = store
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env |= {"MLFLOW_TRACKING_URI": uri, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    command = [
        str(BIN / "mlflow"), "models", "serve", "-m", "models:/ofsted-themes@champion",
        "--env-manager", "local", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
    ]  # fmt: skip
    with running(command, env, "/ping") as base:
        yield base


def post(base: str, body: bytes | str) -> tuple[int, dict]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(
        f"{base}/invocations", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_server_tags_as_tag_does(server, store, tmp_path):
    _, trained = store
    letter = lf.make_text_letter(tmp_path / "letter.txt", "ilacs_inspection")
    out = tmp_path / "tags.csv"
    done = subprocess.run(
        [sys.executable, "-m", "tag", str(letter), "--model", str(trained), "--out", str(out),
         "--no-report"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    tagged = read_table(out)
    records = [{"text": t} for t in tagged["text"]]
    for body in ({"dataframe_records": records}, {"inputs": {"text": list(tagged["text"])}}):
        status, answer = post(server, json.dumps(body))
        assert status == 200, answer
        served = pd.DataFrame(answer["predictions"])
        columns = list(served.columns)
        assert columns[-1] == "evidence" and {"cse_score", "concern_score"} <= set(columns)
        # a request's sentences carry no letter's list of what needs to improve, whose tagged
        # items tag counts as concerns whatever their score: the model alone decides there
        same = [c for c in columns if c != "concern"]
        pd.testing.assert_frame_equal(served[same], tagged[same], check_dtype=False)
        themed = (served[["cse", "missing", "staffing", "oversight"]] == 1).any(axis=1)
        assert (served["concern"] == ((served["concern_score"] >= 0.5) & themed)).all()
        assert (tagged["concern"] >= served["concern"]).all()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"dataframe_records": [{"text": ', "valid JSON"),
        ('{"dataframe_records": []}', "text"),
        ('{"dataframe_records": [{"text": 5}]}', "must be a string"),
        (json.dumps({"inputs": {"text": ["Caseloads are high."] * 10_000}}), "at most 5,000"),
        (json.dumps({"inputs": {"text": ["a" * 2_001]}}), "over 2,000 characters"),
        (json.dumps({"inputs": {"text": ["Caseloads are high.", " \n"]}}), "row 1: a blank"),
        (
            json.dumps({"inputs": {"text": ["Caseloads are high.", "\u200b\u00ad"]}}),
            "row 1: a blank",
        ),
    ],
    ids=[
        "malformed JSON",
        "empty list",
        "not text",
        "10,000 sentences",
        "a long sentence",
        "a blank sentence",
        "invisible characters alone",
    ],
)
def test_a_bad_request_is_a_400_that_says_why_and_the_server_stays_up(server, body, says):
    status, answer = post(server, body)
    assert status == 400
    assert says in answer["message"]
    status, answer = post(server, json.dumps({"inputs": {"text": ["Children went missing."]}}))
    assert status == 200 and len(answer["predictions"]) == 1


def test_make_serve_without_a_registered_model_says_so_in_one_line(store, tmp_path):
    """Before `make run`, `make serve` ended in MLflow's traceback of some sixty lines and left
    an empty store behind; its first step now names what is missing, and serves nothing."""
    uri, _ = store
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    check = [str(BIN / "python"), "-m", "ofsted_themes.cli.serve", "models:/ofsted-themes@champion"]

    def first_step(environment: dict) -> subprocess.CompletedProcess:
        return subprocess.run(check, cwd=tmp_path, env=environment, capture_output=True, text=True)

    fresh = first_step(env)
    assert fresh.returncode == 2 and fresh.stderr.count("\n") == 1, fresh.stderr
    assert "nothing to serve" in fresh.stderr and "make run" in fresh.stderr
    assert not (tmp_path / "mlflow.db").exists()
    ready = first_step({**env, "MLFLOW_TRACKING_URI": uri})
    assert ready.returncode == 0 and "serving models:/ofsted-themes@champion" in ready.stdout
