"""Screenshots of the MLflow UI as a person comparing runs meets it, in headless Chromium: the
runs table (the comparison view ``train`` publishes) and the compare page of the best runs.

    python docs/mlflow_screenshots.py --url http://127.0.0.1:5000 --out docs/img
    python docs/mlflow_screenshots.py --demo --out docs/img    a throw-away store: a default run,
                                                              a sweep and a linear SVC run

Prints what the pages showed (as JSON), which tests/test_pipeline.py checks; the README's
walk-through shows the images. Needs Chromium and the dev extra (playwright).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ofsted_themes.tracking.views import runs_address

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]


# Loads of the runs page, and how long each waits for the view's column order: on two cores
# busy with the test suite, three loads of 10 s each were once all too early (a CI run).
LOADS = 5
SETTLE_MS = 20_000


def capture(base: str, experiment_id: str, out: Path, compare: int = 3) -> dict:
    """Screenshot the runs table and the compare page of its ``compare`` best runs."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    seen: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 800})
        for _ in range(LOADS):  # a busy UI can apply the view's order before the columns exist
            page.goto("about:blank")  # a fresh load (the app drops the view's key once read)
            page.goto(runs_address(base, experiment_id))
            page.locator("[col-id='metrics.`macro_f1`']").first.wait_for(timeout=60_000)
            if settled(page):
                break
        close_assistant(page)
        seen["view"] = page.locator("h2, h1").first.inner_text()
        seen["columns"] = page.evaluate(
            "Array.from(document.querySelectorAll('[role=columnheader]'))"
            ".map(e => e.innerText.trim()).filter(t => t)"
        )
        names = page.locator("[col-id='attributes.`Run Name`'][role=gridcell]")
        seen["runs"] = [names.nth(i).inner_text().strip() for i in range(names.count())]
        # No visible part of a name cell cut short (an ellipsis: scrollWidth > clientWidth).
        seen["names_fit"] = page.evaluate(
            "Array.from(document.querySelectorAll("
            "\"[role=gridcell][col-id='attributes.`Run Name`'] *\"))"
            ".filter(e => e.clientWidth > 1)"
            ".every(e => e.scrollWidth <= e.clientWidth + 1)"
        )
        page.screenshot(path=str(out / "mlflow-runs.png"))
        # The best runs that are jobs (a sweep's parent repeats its best job's scores).
        rows = page.locator("[role=row]:has([role=gridcell][col-id='attributes.`Run Name`'])")
        picked = 0
        for i in range(rows.count()):
            row = rows.nth(i)
            name = row.locator("[col-id='attributes.`Run Name`']").inner_text().strip()
            if name.splitlines()[-1].startswith("sweep") or picked == compare:
                continue
            row.locator("input[type=checkbox]").first.check()
            picked += 1
        page.get_by_role("button", name="Compare").first.click()
        page.wait_for_url("**/compare-runs**", timeout=60_000)
        page.goto(page.url + "&workflowType=machine_learning")  # as the runs page was opened
        page.get_by_text("macro_f1").first.wait_for(timeout=60_000)
        close_assistant(page)
        diff = page.get_by_text("Show diff only").first
        if diff.count():
            diff.click()
        seen["compare"] = page.locator("body").inner_text()
        page.screenshot(path=str(out / "mlflow-compare.png"), full_page=True)
        browser.close()
    return seen


def settled(page) -> bool:
    """Whether the grid has applied the view's column order (macro_f1 before the themes' F1),
    waiting a little for it: the UI applies it once the runs have loaded."""
    from playwright.sync_api import TimeoutError as Timeout

    order = (
        "(() => { const ids = Array.from(document.querySelectorAll('[role=columnheader][col-id]'))"
        ".map(e => e.getAttribute('col-id'));"
        " const m = ids.indexOf('metrics.`macro_f1`');"
        " const f = ids.findIndex(i => i.startsWith('metrics.`f1_'));"
        " return m >= 0 && f > m; })()"
    )
    try:
        page.wait_for_function(order, timeout=SETTLE_MS)
    except Timeout:
        return False
    return True


def close_assistant(page) -> None:
    """The assistant panel opens on a browser's first visit; it is not for this work."""
    close = page.get_by_role("button", name="Close")
    if close.count():
        close.first.click()
        page.wait_for_timeout(500)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_store(folder: Path) -> str:
    """A store with a default run, a three-job sweep and a linear SVC run (a few minutes)."""
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    out = [f"output.model={folder / 'tagger.skops'}", f"output.metrics={folder / 'm.json'}"]
    out += [f"output.pr_curves={folder / 'pr'}", f"hydra.run.dir={folder / 'run'}"]
    out += [f"hydra.sweep.dir={folder / 'sweep'}"]
    for args in ([], ["-m", "model.estimator.C=1,100"], ["model=linear_svc"]):
        command = [sys.executable, "-m", "train", *args, *out]
        # train's report goes to stderr: stdout is this script's JSON.
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=sys.stderr)
    return uri


def serve(uri: str):
    """Start ``mlflow server`` on a free loopback port; returns (base address, process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri,
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2)
            return base, process
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("error: the MLflow server did not answer within 90 s")


def experiment_id(base: str, name: str) -> str:
    query = f"{base}/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}"
    with urllib.request.urlopen(query, timeout=10) as response:
        return json.loads(response.read())["experiment"]["experiment_id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running MLflow server")
    where.add_argument("--demo", action="store_true", help="build a throw-away store first")
    parser.add_argument("--experiment", default="train")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    if args.url:
        seen = capture(args.url, experiment_id(args.url, args.experiment), args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            base, process = serve(demo_store(Path(tmp)))
            try:
                seen = capture(base, experiment_id(base, args.experiment), args.out)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    seen["compare"] = seen["compare"][:2000]
    print(json.dumps(seen, indent=1))


if __name__ == "__main__":
    main()
