# Two commands on a fresh machine with Python 3.11+:  `make run` and `make test`.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked --no-sync

.PHONY: setup run test lint bench ui clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

setup: $(UV)
	$(UV) sync --locked --inexact

run: setup
	$(RUN) python -m prepare

test: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest

lint: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
