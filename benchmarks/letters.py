"""Tagging letters as they come, short and long, against bare text extraction of the same files,
measured side by side in one run: short letters (about 12 sentences) and long reports (20 pages,
about 400 sentences, with numbered paragraphs, bullet lists, headers and footers), as PDF and as
DOCX, tagged in one process (`--jobs 1`) and with both cores (`--jobs 0`).

    python benchmarks/letters.py [--out benchmarks/results/letters.md]

Needs the pipeline's model (models/tagger.skops). Medians of 5 runs taken in turn with the
extraction they are compared with; CPU time in one process, wall time with both cores. Each run
starts with the model's caches cleared. In one process it is measured twice: as the first
letters of a run, and in the steady state of a long one, after tagging other letters (other
sentences: news that quotes letters, and the seed articles), which leaves the caches of words
and stems as a long run has them, never holding a measured sentence. In one process each row
also gives its floor: bare extraction plus the model's bare ``predict_proba`` of the same
sentences, as a ratio to extraction, which no tagging of those letters can go below.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture-letter builders

import letter_factory as lf  # noqa: E402
from timing import MODEL, load_as_tag_does, paired_medians  # noqa: E402

from ofsted_themes.core.tables import read_table  # noqa: E402
from ofsted_themes.modelling import features  # noqa: E402
from ofsted_themes.modelling.tagger import Tagger  # noqa: E402
from ofsted_themes.tagging.batch import run_batch  # noqa: E402

REPEATS = 5
SHORT, LONG = 60, 5  # letters of each kind: 2,000 distinct sentences in the long ones


def body_sentences() -> list[str]:
    """Real sentences of published letters in the inspectors' own words (the labelled set's
    training split), in order, so that every generated letter says different things as real
    letters do: a pool of a few sentences, repeated, would flatter anything that caches by
    sentence."""
    return letter_sentences(inspector=True)


def letter_sentences(inspector: bool) -> list[str]:
    """The training split's sentences in the inspectors' words, or in news quoting them."""
    frames = [pd.read_csv(f) for f in sorted((ROOT / "data" / "letters" / "train").glob("*.csv"))]
    rows = pd.concat(frames)
    texts = rows.loc[(rows["voice"] == "inspector") == inspector, "text"].astype(str)
    return tidy(texts)


def tidy(texts) -> list[str]:
    return [" ".join(t.split()) for t in texts if len(t) > 40]


def warm_up_sentences() -> list[str]:
    """Real sentences that no measured letter holds: the training split's reported voice (news
    quoting letters) and the seed articles."""
    seeds = pd.read_csv(ROOT / "data" / "sentences.csv")["text"].astype(str)
    return letter_sentences(inspector=False) + tidy(seeds)


def warm_up_letters(folder: Path) -> Path:
    """Short text letters of the warm-up sentences, each sentence once."""
    sentences = warm_up_sentences()
    folder.mkdir()
    for i in range(len(sentences) // 12):
        (folder / f"{i:03d}.txt").write_text(short_letter(i, sentences), encoding="utf-8")
    return folder


def short_letter(i: int, sentences: list[str]) -> str:
    picked = [sentences[(i * 12 + k) % len(sentences)] for k in range(12)]
    return (
        f"Focused visit to Ashmoor {i} children’s services\n\n"
        "This letter summarises the findings of the focused visit on 3 and 4 May 2022.\n\n"
        + "\n\n".join(" ".join(picked[k : k + 3]) for k in range(0, 12, 3))
        + "\n"
    )


def long_report(i: int, sentences: list[str]) -> str:
    """About 400 sentences: numbered paragraphs of three sentences, a bullet list every so
    often, headings."""
    parts = [f"Inspection of Ashmoor {i} local authority children’s services\n"]
    k, number = 0, 1
    while k < 400:
        if number % 10 == 1:
            parts.append(f"What needs to improve, part {number // 10 + 1}\n")
        if number % 7 == 0:
            parts.append(
                "\n".join(f"• {sentences[(i * 400 + k + j) % len(sentences)]}" for j in range(4))
                + "\n"
            )
            k += 4
        else:
            three = " ".join(sentences[(i * 400 + k + j) % len(sentences)] for j in range(3))
            parts.append(f"{number}. {three}\n")
            k += 3
        number += 1
    return "\n".join(parts)


def extract(paths: list[Path]) -> None:
    """Bare text extraction: pypdfium2 page text, python-docx paragraph text."""
    import docx
    import pypdfium2 as pdfium

    for path in paths:
        if path.suffix == ".pdf":
            pdf = pdfium.PdfDocument(str(path))
            for page in pdf:
                page.get_textpage().get_text_range()
            pdf.close()
        else:
            "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


RUNS = {  # jobs, how the caches start, the clock
    "first letters, 1 process": (1, "cold", time.process_time),
    "steady state, 1 process": (1, "warm", time.process_time),
    "first letters, both cores": (0, "cold", time.perf_counter),
}


def measure(
    kind: str, form: str, texts: list[str], folder: Path, tagger: Tagger, warm: Path
) -> list[dict]:
    make = lf.make_pdf_letter if form == "PDF" else lf.make_docx_letter
    letters = folder / f"{kind}-{form}"
    letters.mkdir()
    pages = 20 if kind == "long" else None
    suffix = ".pdf" if form == "PDF" else ".docx"
    paths = [make(letters / f"{i:03d}{suffix}", t, pages) for i, t in enumerate(texts)]
    rows = []
    for run, (jobs, caches, clock) in RUNS.items():
        out = folder / f"out-{kind}-{form}-{jobs}"

        def tag(inputs=letters, out=out, jobs=jobs) -> None:
            run_batch(
                tagger, [str(inputs)], out=out / "t.csv", summary=out / "s.csv", jobs=jobs,
                model_path=str(MODEL), progress=False,
            )  # fmt: skip

        def start(caches=caches) -> None:
            features.clear_caches()  # no sentence, word or stem seen before
            if caches == "warm":
                tag(warm, folder / "out-warm", 1)

        bare, seconds = paired_medians(lambda: extract(paths), tag, REPEATS, clock, start)
        texts = read_table(out / "t.csv")["text"].tolist()
        row = {
            "letters": f"{len(paths)} {kind} {form}",
            "run": run,
            "time": "CPU" if jobs == 1 else "wall",
            "sentences / letter": round(len(texts) / len(paths)),
            "tag (s)": seconds,
            "extraction (s)": bare,
            "ratio": seconds / bare,
            "letters/s": len(paths) / seconds,
            "sentences/s": len(texts) / seconds,
        }
        if jobs == 1:
            row["floor"] = floor(paths, texts, tagger, clock, start)
        rows.append(row)
    return rows


def floor(paths: list[Path], texts: list[str], tagger: Tagger, clock, start) -> float:
    """What no tagging of these letters can go below, as a ratio to bare extraction: extracting
    their text plus the model's bare ``predict_proba`` of the sentences ``tag`` read from them
    (its caches as the tagging's), timed in turn; reading, splitting, evidence and writing come
    on top."""

    def model() -> None:
        tagger.classifier.predict_proba(texts)

    bare, seconds = paired_medians(lambda: extract(paths), model, REPEATS, clock, start)
    return (bare + seconds) / bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/letters.md"))
    args = parser.parse_args()
    if not MODEL.is_file():
        sys.exit(f"error: {MODEL} not found: run `make run` first")
    tagger = load_as_tag_does()
    sentences = body_sentences()
    texts = {
        "short": [short_letter(i, sentences) for i in range(SHORT)],
        "long": [long_report(i, sentences) for i in range(LONG)],
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = warm_up_letters(Path(tmp) / "warm-up")
        for kind, letters in texts.items():
            for form in ("PDF", "DOCX"):
                rows += measure(kind, form, letters, Path(tmp), tagger, warm)
                print(rows[-1], flush=True)
    frame = pd.DataFrame(rows).round(3)
    # a blank, not "nan", where a row has no floor (both cores: wall time)
    text = frame.astype(object).where(frame.notna(), None).to_markdown(index=False, missingval="")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
