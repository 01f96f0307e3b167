"""REST serving: warm latency of 400 sentences in one request (a long letter's worth) through
`mlflow models serve` (as `make serve` runs it: one worker, loopback), beside the same Tagger
called in-process, measured in the same run. The served model is the saved Tagger
(models/tagger.skops) as an MLflow pyfunc.

    python benchmarks/serve.py [--out benchmarks/results/serve.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
from timing import median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the server helper
from servers import running

import ofsted_themes
from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.tracking.runs import PYFUNC_CODE, pip_requirements

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SENTENCES = 400  # a long inspection report
REPEATS = 10


def letter() -> list[str]:
    table = pd.read_csv(ROOT / "data/letters/train/sentences.csv", dtype=str)
    return table["text"].head(SENTENCES).tolist()


def main() -> None:
    import mlflow

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/serve.md"))
    parser.add_argument("--model", type=Path, default=ROOT / "models/tagger.skops")
    args = parser.parse_args()
    texts = letter()
    tagger = Tagger.load(args.model)
    tagger.predict(texts)  # warm
    in_process = median_seconds(lambda: tagger.predict(texts), REPEATS)
    body = json.dumps({"inputs": {"text": texts}}).encode()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "pyfunc"
        mlflow.pyfunc.save_model(
            model,
            python_model=str(PYFUNC_CODE),
            artifacts={"tagger": str(args.model)},
            code_paths=[str(Path(ofsted_themes.__file__).parent)],
            input_example=pd.DataFrame({"text": texts[:3]}),
            pip_requirements=pip_requirements(),
        )
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        command = [
            str(BIN / "mlflow"), "models", "serve", "-m", str(model), "--env-manager", "local",
            "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
        ]  # fmt: skip
        started = time.perf_counter()
        with running(command, env, "/ping") as base:  # stopped, with its workers, at the end
            ready = time.perf_counter() - started

            def request() -> None:
                call = urllib.request.Request(
                    f"{base}/invocations", body, {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(call, timeout=120) as response:
                    assert len(json.loads(response.read())["predictions"]) == len(texts)

            request()  # warm
            served = median_seconds(request, REPEATS)
    rows = [
        {"path": "Tagger.predict in-process (baseline)", "seconds": in_process, "ratio": 1.0},
        {"path": "POST /invocations, warm", "seconds": served, "ratio": served / in_process},
        {"path": "server start to first answer of /ping", "seconds": ready, "ratio": None},
    ]
    text = f"{len(texts)} sentences in one request, median of {REPEATS}.\n\n" + pd.DataFrame(
        rows
    ).round(3).to_markdown(index=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
