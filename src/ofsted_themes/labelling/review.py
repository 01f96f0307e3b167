"""A labelling session, one sentence at a time: toggle themes, choose a direction, accept, skip,
undo; each answer saved as it is given. The terminal side is ``cli/review.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ofsted_themes.labelling.store import append_labels, label_rows, now, remove_labels
from ofsted_themes.training.corpus import DIRECTIONS

COMMAND_KEYS = {
    "a": "accept", "\n": "accept", "\r": "accept", "s": "skip", "u": "undo", "d": "direction",
}  # fmt: skip
QUIT_KEYS = {"q", "\x04"}  # q, Ctrl-D


def review_keys(theme_ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """Key -> (action, theme index). Themes toggle with 1-9 and, where it is free, their first
    letter; d turns the direction to the next; Enter or a accepts, s skips, u undoes, q quits."""
    keys: dict[str, tuple[str, int | None]] = {k: (a, None) for k, a in COMMAND_KEYS.items()}
    keys |= {k: ("quit", None) for k in QUIT_KEYS}
    for j, _ in enumerate(theme_ids[:9]):
        keys[str(j + 1)] = ("toggle", j)
    for j, theme in enumerate(theme_ids):
        letter = theme[:1].lower()
        if letter and letter not in keys:
            keys[letter] = ("toggle", j)
    return keys


@dataclass
class Answer:
    position: int
    labels: tuple[int, ...]
    saved_id: str | None  # None: skipped, or the sentence was already labelled elsewhere
    direction: str = ""


class Review:
    """A labelling session over ``candidates``: each answer is saved the moment it is given."""

    def __init__(
        self,
        candidates: pd.DataFrame,
        theme_ids: list[str],
        thresholds: dict[str, float],
        labels_path: Path | str,
        source_digest: str,
        clock: Callable[[], str] = now,
    ):
        self.candidates = candidates.reset_index(drop=True)
        self.theme_ids = list(theme_ids)
        self.thresholds = thresholds  # the model's tags are shown by its scores, never ticked
        self.labels_path = Path(labels_path)
        self.source_digest = source_digest
        self.clock = clock
        self.history: list[Answer] = []
        self.position = 0
        self.current = self._unticked()
        self.direction = ""  # a themed sentence's (DIRECTIONS), or none given

    def _unticked(self) -> list[int]:
        """A sentence's labels before the person gives them: none. Ticked with the model's
        tags, a key meant to tick a theme took it off, and Enter saved the model's tags as a
        person's labels."""
        return [0] * len(self.theme_ids)

    @property
    def total(self) -> int:
        return len(self.candidates)

    @property
    def done(self) -> bool:
        return self.position >= self.total

    @property
    def saved(self) -> int:
        return sum(a.saved_id is not None for a in self.history)

    @property
    def skipped(self) -> int:
        return sum(a.saved_id is None for a in self.history)

    def sentence(self) -> pd.Series:
        return self.candidates.iloc[self.position]

    def toggle(self, theme: int) -> None:
        if not self.done and 0 <= theme < len(self.current):
            self.current[theme] = 1 - self.current[theme]

    def turn_direction(self) -> None:
        """The next direction in turn: none, then each of DIRECTIONS, then none again."""
        if not self.done:
            turns = ["", *DIRECTIONS]
            self.direction = turns[(turns.index(self.direction) + 1) % len(turns)]

    def accept(self) -> bool:
        """Save the current labels; False if the sentence was already labelled (kept as was)."""
        if self.done:
            return False
        row = label_rows(
            self.candidates.iloc[[self.position]],
            np.array([self.current]),
            self.theme_ids,
            self.source_digest,
            self.clock(),
            [self.direction if any(self.current) else ""],  # no theme, no direction
        )
        outcome = append_labels(self.labels_path, row, self.theme_ids)
        saved = outcome.ids[0] if outcome.ids else None
        self._advance(Answer(self.position, tuple(self.current), saved, self.direction))
        return saved is not None

    def skip(self) -> None:
        if not self.done:
            self._advance(Answer(self.position, tuple(self.current), None))

    def _advance(self, answer: Answer) -> None:
        self.history.append(answer)
        self.position += 1
        self.current = self._unticked()
        self.direction = ""

    def undo(self) -> Answer | None:
        """Go back to the last answered sentence, removing its saved labels (if any); its
        answer becomes the current labels, to change or give again."""
        if not self.history:
            return None
        answer = self.history.pop()
        if answer.saved_id is not None:
            remove_labels(self.labels_path, [answer.saved_id], self.theme_ids)
        self.position = answer.position
        self.current = list(answer.labels)
        self.direction = answer.direction
        return answer
