"""The terminal side of ``label review``: single key presses in, one sentence at a time out. The
session itself (answers, undo, saving) is ``labelling.review.Review``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ofsted_themes import labelling
from ofsted_themes.cli.common import INTERRUPTED, printable


class Keys:
    """Single key presses from a terminal (cbreak mode, no echo); lines from anything else, each
    line read as a run of keys and an empty line as Enter. A line holding anything but
    ``known`` keys comes whole, to be refused whole: a word typed into a pipe ("missing") was
    read key by key, and acted on (m toggled, s skipped, a sentence skipped unseen)."""

    def __init__(self, stream=sys.stdin, known: frozenset[str] = frozenset()):
        self.stream = stream
        self.known = known
        self.fd = stream.fileno()
        self.terminal = os.isatty(self.fd)
        self.saved = None

    def __enter__(self) -> Keys:
        if self.terminal:
            import termios
            import tty

            self.saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc) -> None:
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def __iter__(self):
        if not self.terminal:
            for line in self.stream:
                line = line.rstrip("\r\n")
                if self.known and not set(line) <= self.known:
                    yield line
                else:
                    yield from line or "\n"
            return
        import select

        while True:
            byte = os.read(self.fd, 1)
            if not byte:
                return
            if byte == b"\x1b":  # an arrow or function key: drop the rest of its sequence
                while select.select([self.fd], [], [], 0.05)[0]:
                    os.read(self.fd, 16)
                continue
            yield byte.decode("latin-1")


def theme_line(session, keys: dict) -> str:
    names = {j: [] for j in range(len(session.theme_ids))}
    for key, (action, j) in keys.items():
        if action == "toggle":
            names[j].append(key)
    boxes = [
        f"[{'x' if on else ' '}] {'/'.join(names[j])} {theme}"
        for j, (theme, on) in enumerate(zip(session.theme_ids, session.current, strict=True))
    ]
    direction = session.direction or "none"
    return "  labels  " + "   ".join(boxes) + f"   direction (d): {direction}"


def show(session, keys: dict) -> None:
    row = session.sentence()
    where = [str(row["document"])]
    for column, word in (("page", "page"), ("sentence_no", "sentence")):
        value = str(row.get(column, "")).removesuffix(".0")
        if value and value != "nan":
            where.append(f"{word} {value}")
    scores = "   ".join(
        f"{t} {row[f'{t}_score']:.2f}{'*' if row[f'{t}_score'] >= session.thresholds[t] else ''}"
        for t in session.theme_ids
    )
    print(f"\n[{session.position + 1}/{session.total}] {printable(', '.join(where))}")
    print(f"  {printable(row['text'])}")
    print(f"  model   {scores}   (* at or above its threshold)")
    print(theme_line(session, keys), flush=True)


def redraw(session, keys: dict, terminal: bool) -> None:
    line = theme_line(session, keys)
    print(f"\r\x1b[K{line}" if terminal else line, end="" if terminal else "\n", flush=True)


def run_review(candidates, tagger, labels: Path, digest: str, configured: Path) -> int:
    """Label the candidates one at a time into ``labels``; the closing hint names the file when
    it is not the ``configured`` one, which training would otherwise not read."""
    if candidates.empty:
        print("Nothing to label: every sentence of the table is labelled already.")
        return 0
    session = labelling.Review(candidates, tagger.theme_ids, tagger.thresholds, labels, digest)
    keys = labelling.review_keys(tagger.theme_ids)
    toggles = [k for k, (a, _) in keys.items() if a == "toggle"]
    print(
        f"Labelling {session.total} sentence(s), least certain first; each answer is saved "
        f"to {labels} as you give it."
    )
    help_line = (
        f"{'/'.join(toggles)} tick or untick a theme, d the direction of a themed sentence "
        "(concern, strength, mixed, neutral, none), Enter or a accept, s skip, u undo, q quit"
    )
    print(f"Keys: {help_line}")
    interrupted = False
    with Keys(known=frozenset(keys)) as presses:
        show(session, keys)
        try:
            for key in presses:
                action, theme = keys.get(key, (None, None))
                if action is None:
                    print(f"\n  {printable(key)!r}: not a key, nothing done; keys: {help_line}")
                    continue
                if action == "quit":
                    break
                if action in ("toggle", "direction") and not session.done:
                    session.toggle(theme) if action == "toggle" else session.turn_direction()
                    redraw(session, keys, presses.terminal)
                    continue
                if action == "accept" and not session.done:
                    saved = session.accept()
                    print("\n  saved" if saved else "\n  already labelled: earlier labels kept")
                elif action == "skip" and not session.done:
                    session.skip()
                    print("\n  skipped")
                elif action == "undo":
                    answer = session.undo()
                    if answer is None:
                        print("\n  nothing to undo")
                        continue
                    print("\n  undone" + (": its labels removed" if answer.saved_id else ""))
                elif session.done and action in ("accept", "skip"):
                    break
                else:
                    continue
                if session.done:
                    print(
                        f"\nAll {session.total} done. u undo the last answer, Enter or q finish",
                        flush=True,
                    )
                else:
                    show(session, keys)
        except KeyboardInterrupt:
            interrupted = True
    done = f"\n{session.saved} labelled, {session.skipped} skipped"
    if session.saved:
        train = labelling.train_command(labels, configured)
        print(f"{done}; saved in {labels}. Train on them: {train}")
    else:
        print(f"{done}: nothing saved")
    return INTERRUPTED if interrupted else 0
