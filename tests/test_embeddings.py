"""The optional sentence-embedding features; skipped where the extra (torch) is not installed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sentence_transformers", reason="optional extra: run `make embeddings`")

from ofsted_themes.modelling.features import SentenceEmbeddings, embed

pytestmark = pytest.mark.embeddings

DESCRIPTIONS = {
    "missing": "Children missing from home, care or education; return home interviews.",
    "staffing": "Recruitment, retention and turnover of social workers; caseloads; agency staff.",
}


def test_embeddings_are_unit_vectors_with_a_similarity_per_theme():
    features = SentenceEmbeddings(DESCRIPTIONS).fit(["x"])
    out = features.transform(["Caseloads are high.", "A child went missing."])
    assert out.shape == (2, 384 + 2)
    assert np.allclose(np.linalg.norm(out[:, :384], axis=1), 1.0, atol=1e-4)
    assert list(features.get_feature_names_out()[-2:]) == [
        "similarity:missing",
        "similarity:staffing",
    ]


def test_a_sentence_is_closest_to_the_theme_it_is_about():
    features = SentenceEmbeddings(DESCRIPTIONS, vectors=False).fit(["x"])
    similarity = features.transform(
        [
            "Several children ran away from their foster placements and were reported missing.",
            "The council cannot recruit enough social workers and relies on agency staff.",
        ]
    )
    assert similarity[0, 0] > similarity[0, 1]
    assert similarity[1, 1] > similarity[1, 0]


def test_repeated_sentences_are_encoded_once_and_give_the_same_vector():
    first = embed(["Supervision is regular.", "Audits are thorough."])
    again = embed(["Audits are thorough."])
    assert np.array_equal(first[1], again[0])


def test_loading_and_encoding_print_no_progress_bars():
    code = (
        "from ofsted_themes.modelling.features import _embedding_model\n"
        "_embedding_model().encode(['Caseloads are high.'] * 100)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert "it/s" not in done.stderr and "%|" not in done.stderr, done.stderr[-500:]
