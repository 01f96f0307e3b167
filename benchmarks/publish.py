"""Publish one `make bench` run: its tables go into the README's marked blocks and to
benchmarks/results/, so that every published figure comes from the same run.

    python benchmarks/publish.py --begin [--results reports/bench]   # before the benchmarks
    python benchmarks/publish.py [--results reports/bench]           # after them

A block in the README is ``<!-- bench:NAME -->`` ... ``<!-- /bench -->``; its body is replaced by
the run's ``NAME`` file (``run.md``, written by ``--begin``, names the commit and the date). A
block whose file the run did not write stops the publication before anything is changed, so a
README never mixes two runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- bench:(?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S)
STAMP = "run.md"


def blocks(readme: str) -> dict[str, str]:
    """The README's published blocks: file name -> body."""
    return {m["name"]: m["body"] for m in BLOCK.finditer(readme)}


def begin(results: Path, root: Path = ROOT) -> Path:
    """Start a run: an empty results folder and its stamp (the commit measured, and whether the
    working tree held changes not committed)."""
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    commit = _git(root, "rev-parse", "--short", "HEAD") or "unknown"
    changed = " (with changes not committed)" if _git(root, "status", "--porcelain") else ""
    stamp = results / STAMP
    stamp.write_text(
        f"From one `make bench` run at commit `{commit}`{changed}, "
        f"{datetime.date.today().isoformat()}, on a machine of {os.cpu_count()} cores.\n"
    )
    return stamp


def publish(results: Path, readme: Path, published: Path) -> list[str]:
    """Fill ``readme``'s blocks from ``results`` and copy the results to ``published`` (in place
    of an earlier run's, none of which stays); returns the names filled. Raises
    FileNotFoundError, changing nothing, if a block has no result."""
    text = readme.read_text(encoding="utf-8")
    names = list(blocks(text))
    missing = [name for name in names if not (results / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{results} has no {', '.join(missing)}: run every benchmark (make bench) first"
        )

    def fill(match: re.Match) -> str:
        body = (results / match["name"]).read_text(encoding="utf-8").strip("\n")
        return f"{match[1]}{body}\n{match[4]}"

    published.mkdir(parents=True, exist_ok=True)
    for stale in published.glob("*.md"):  # a table of an earlier run, which this one did not make
        if not (results / stale.name).is_file():
            stale.unlink()
    for result in sorted(results.glob("*.md")):
        shutil.copyfile(result, published / result.name)
    readme.write_text(BLOCK.sub(fill, text), encoding="utf-8")
    return names


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "reports" / "bench")
    parser.add_argument("--begin", action="store_true", help="start a run: its folder and stamp")
    args = parser.parse_args()
    if args.begin:
        print(begin(args.results).read_text(), end="")
        return
    try:
        names = publish(args.results, ROOT / "README.md", ROOT / "benchmarks" / "results")
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")
    print(f"published {len(names)} tables into README.md and benchmarks/results/")


if __name__ == "__main__":
    main()
