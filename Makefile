# Two commands on a fresh machine with Python 3.11+:  `make run` (the pipeline) and `make test`.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked --no-sync
PORT ?= 5000

.PHONY: setup run test lint bench ui clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

setup: $(UV)
	$(UV) sync --locked --inexact --quiet

# prepare -> train -> tag the sample letters, re-running only what changed (dvc.yaml)
run: setup
	$(RUN) dvc repro

test: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest

lint: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: setup
	$(RUN) python benchmarks/run.py

# The MLflow UI on the project's store, loopback only, one worker, no job runner.
ui: setup
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(RUN) mlflow server \
	  --backend-store-uri sqlite:///mlflow.db --default-artifact-root ./mlruns \
	  --host 127.0.0.1 --port $(PORT) --workers 1

clean:
	rm -rf outputs multirun reports models/*.skops mlflow.db mlruns .dvc/cache
