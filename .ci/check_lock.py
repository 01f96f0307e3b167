"""CI's check that the committed dvc.lock records the code and the commands as they are:
otherwise a fresh clone's `make run` retrains, rewrites the lock and leaves the clone dirty.

A check of the repository, not of the product, so CI's alone: on a user's checkout a broken link
in inbox/ stops `dvc status`, and a checkout with Windows line endings changes every digest.
Data and configuration are left out: they are a user's to change.

    .venv/bin/python .ci/check_lock.py
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stale(status: dict) -> list[str]:
    """What of the code or the commands each stage's lock no longer records."""
    found = []
    for stage, changes in status.items():
        for change in changes:
            if change == "changed command":
                found.append(f"{stage}: its command")
            elif isinstance(change, dict):
                deps = change.get("changed deps", {})
                found += [f"{stage}: {path}" for path in deps if path.startswith("src/")]
    return found


def main() -> int:
    dvc = Path(sys.executable).parent / "dvc"
    done = subprocess.run(
        [str(dvc), "status", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        print(f"dvc status failed: {done.stderr.strip()}", file=sys.stderr)
        return 1
    problems = stale(json.loads(done.stdout or "{}"))
    if problems:
        print("dvc.lock is out of date: run `dvc repro` and commit dvc.lock", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    print("dvc.lock records the code and the commands as they are")
    return 0


if __name__ == "__main__":
    sys.exit(main())
