"""`make serve`'s first step: the registered model it would serve, or one line saying why there
is none (before `make run`, MLflow's own answer was a traceback of some sixty lines, and an
empty store left behind)."""

from __future__ import annotations

import argparse

from ofsted_themes.cli.common import run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="the model URI to serve (models:/name@alias)")
    uri = parser.parse_args(argv).model
    from ofsted_themes.modelling.persistence import ModelError
    from ofsted_themes.tracking.registry import pinned

    try:
        version = pinned(uri)[1]
    except ModelError as exc:
        raise ModelError(f"nothing to serve: {exc}; `make run` trains and registers it") from None
    print(f"serving {uri} (version {version})")
    return 0


def run() -> None:
    run_command(main)


if __name__ == "__main__":
    run()
