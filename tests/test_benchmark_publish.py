"""Publishing a `make bench` run (benchmarks/publish.py): the README's benchmark tables and
benchmarks/results/ come from one run, and agree."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("publish", ROOT / "benchmarks" / "publish.py")
publish = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(publish)

README = """# Tool

Intro.

<!-- bench:speed.md -->
| old | table |
<!-- /bench -->

Prose between.

<!-- bench:run.md -->
<!-- /bench -->
"""


def _run(folder: Path) -> Path:
    publish.begin(folder, root=ROOT)
    (folder / "speed.md").write_text("| new | table |\n|---|---|\n| 1 | 2 |\n")
    return folder


def test_publish_fills_every_block_from_the_run_and_copies_its_tables(tmp_path):
    results, readme = _run(tmp_path / "bench"), tmp_path / "README.md"
    readme.write_text(README)
    names = publish.publish(results, readme, tmp_path / "published")
    text = readme.read_text()
    assert names == ["speed.md", "run.md"]
    assert "| old | table |" not in text
    assert "<!-- bench:speed.md -->\n| new | table |\n|---|---|\n| 1 | 2 |\n<!-- /bench -->" in text
    assert "From one `make bench` run at commit `" in publish.blocks(text)["run.md"]
    assert text.startswith("# Tool\n\nIntro.\n") and "Prose between." in text
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["run.md", "speed.md"]
    publish.publish(results, readme, tmp_path / "published")  # publishing again changes nothing
    assert readme.read_text() == text


def test_a_table_an_earlier_run_published_and_this_one_did_not_make_is_removed(tmp_path):
    results, readme, published = _run(tmp_path / "bench"), tmp_path / "README.md", tmp_path / "p"
    readme.write_text(README)
    published.mkdir()
    (published / "retired.md").write_text("| a table no benchmark makes now |\n")
    (published / "notes.txt").write_text("not a table: left alone\n")
    publish.publish(results, readme, published)
    assert sorted(p.name for p in published.iterdir()) == ["notes.txt", "run.md", "speed.md"]


def test_a_block_the_run_did_not_write_stops_the_publication_changing_nothing(tmp_path):
    results, readme = _run(tmp_path / "bench"), tmp_path / "README.md"
    readme.write_text(README + "\n<!-- bench:letters.md -->\n| old |\n<!-- /bench -->\n")
    before = readme.read_text()
    with pytest.raises(FileNotFoundError, match=r"letters\.md"):
        publish.publish(results, readme, tmp_path / "published")
    assert readme.read_text() == before
    assert not (tmp_path / "published").exists()


def test_begin_empties_the_results_of_an_earlier_run(tmp_path):
    results = _run(tmp_path / "bench")
    (results / "quality.md").write_text("from an earlier run\n")
    publish.begin(results, root=ROOT)
    assert [p.name for p in results.iterdir()] == ["run.md"]


def test_the_readme_publishes_one_run_and_agrees_with_benchmarks_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    published = publish.blocks(readme)
    assert {"run.md", "speed.md", "letters.md", "quality.md", "serve.md"} <= set(published)
    for name, body in published.items():
        result = ROOT / "benchmarks" / "results" / name
        assert result.is_file(), f"README publishes {name}, which benchmarks/results/ lacks"
        assert body.strip("\n") == result.read_text(encoding="utf-8").strip("\n"), name
