"""The package's folders are the data flow, and the direction is enforced: import-linter's
contracts (pyproject.toml) hold for the package as it is, and fail when a lower layer imports a
higher one or when loading a Tagger would import mlflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """lint-imports on ``project``'s copy of the package (it comes first on the path)."""
    env = os.environ | {"PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True
    )


@pytest.fixture
def project_copy(tmp_path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(project: Path, module: str, statement: str) -> None:
    path = project / "src" / "ofsted_themes" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")


def test_the_package_keeps_its_contracts(project_copy):
    done = lint_imports(project_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, statement, broken",
    [
        ("core/atomic.py", "import ofsted_themes.cli.tag", "Layers follow the data flow"),
        ("reading/sentences.py", "from ofsted_themes.modelling import tagger", "Layers"),
        ("training/fitting.py", "import ofsted_themes.tagging.batch", "Layers"),
        ("modelling/tagger.py", "import ofsted_themes.tracking.registry", "Layers"),
        ("modelling/persistence.py", "import mlflow", "never imports mlflow"),
    ],
)
def test_a_backward_import_breaks_a_contract(project_copy, module, statement, broken):
    add_import(project_copy, module, statement)
    done = lint_imports(project_copy)
    assert done.returncode != 0
    assert f"{broken}" in done.stdout and "BROKEN" in done.stdout


def test_an_import_hidden_in_a_function_is_seen_too(project_copy):
    add_import(project_copy, "reading/inputs.py", "def _later():\n    import ofsted_themes.cli.tag")
    assert lint_imports(project_copy).returncode != 0


def test_loading_a_tagger_file_does_not_import_mlflow(tagger_file):
    code = (
        "import sys; from ofsted_themes import load_tagger; "
        f"load_tagger({str(tagger_file)!r}).predict(['Caseloads are high.']); "
        "print('mlflow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
