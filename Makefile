# Every target creates the virtual environment first, so a fresh clone needs only `make demo`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The environment's commands first on PATH: dagster-dbt looks for `dbt` there when `dagster dev`
# re-parses the project.
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Telemetry off for every tool this project drives.
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_DIR ?= data/simulated
DEMO_MEMBERS ?= 1000
DEMO_SEED ?= 7

.PHONY: install manifest demo run dashboards test lint dev clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "uv>=0.9,<1"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# Dagster reads dbt's manifest when it loads the definitions, so it is rebuilt before every
# command that loads them; parsing takes a few seconds.
manifest: install
	$(BIN)/dbt parse --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project --quiet

# Dagster 1.13 warns that `dg launch` supersedes `dagster job execute`, but `dg` needs the
# dagster-dg-cli package, which is not installed. `dagster job execute` runs in-process, with no
# daemon, and exits with status 1 when a step fails.
demo: manifest
	$(BIN)/python -m simulator --members $(DEMO_MEMBERS) --seed $(DEMO_SEED) --out $(DEMO_DIR)
	CRM_LANDING_DIR=$(DEMO_DIR)/landing $(BIN)/dagster job execute \
		-m orchestration.definitions -j demo_job
	$(BIN)/python -m ml.summary
	$(BIN)/python -m serving where

# The main job on your own exports: make run CRM_LANDING_DIR=/path/to/landing
# CRM_DUCKDB_PATH=data/real.duckdb (both default as in orchestration/resources.py).
run: manifest
	$(BIN)/dagster job execute -m orchestration.definitions -j demo_job
	$(BIN)/python -m ml.summary
	$(BIN)/python -m serving where

# Rebuild the dashboard pages from the warehouse without running the pipeline (the job builds
# them too). Pages go to CRM_DASHBOARD_DIR or data/dashboards; see docs/dashboards.md.
dashboards: install
	$(BIN)/python -m serving dashboards

test: manifest
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ml ingest simulator orchestration serving
	CRM_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint dbt_project/models

dev: manifest
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf $(VENV) dbt_project/target data .dagster_home/storage .dagster_home/logs
