# Two commands matter: `make up` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync

# Every other path (landing, warehouse, serving file) follows CSP_DATA_DIR: ingest/config.py's
# Settings is the one place that derives them.
export CSP_DATA_DIR ?= $(CURDIR)/data
export CSP_DEMO ?= 1
export DAGSTER_PORT ?= 3000
export SUPERSET_PORT ?= 8088
export DBT_DOCS_PORT ?= 8081
export DAGSTER_HOME ?= $(CSP_DATA_DIR)/.dagster
export UV_PYTHON := $(PYTHON)

.PHONY: help install superset-install chromium demo build up test screenshots lint bench bench-ingest bench-national clean template

help:
	@echo "make up     install, build the warehouse on demo data, serve Superset and the Dagster UI"
	@echo "make test   install and run the whole test suite"
	@echo "make build  run the whole pipeline once (ingest, dbt build, publish) and exit"
	@echo "make demo   write the demo partner files into an empty landing folder"
	@echo "make screenshots  refresh docs/screenshots/ from the browser test"
	@echo "make bench  print measured timings"
	@echo "make bench-ingest  csp load of a 5,000,000-row police.uk file against DuckDB's read_csv"
	@echo "make bench-national  build every English force's police.uk files (BENCH_ARGS='--months 12'), print timings"
	@echo "make template CSP=E22000307 PERIOD='2026/27 Q2'  the partners' blank indicator return"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed

# Superset lives in its own venv (its pins conflict with dbt's); the script is idempotent.
superset-install: $(UV)
	UV=$(CURDIR)/$(UV) PYTHON=$(PYTHON) bash superset/install.sh

# The browser tests drive Debian's Chromium (Playwright's own browser download fails here).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; }

# Demo data is not part of the product: in demo mode only, and only into a landing folder
# that holds no partner file yet.
# The restated files wait in $(DEMO_HELD) until the first publish, as a partner's restatement
# arrives after its first return: the second build then shows them in `restatements`.
DEMO_HELD = $(CSP_DATA_DIR)/demo-restated
demo: install
	@if [ "$(CSP_DEMO)" = 1 ]; then $(RUN) python -m demo --if-empty --hold-restated "$(DEMO_HELD)"; fi

build: demo
	$(RUN) csp build $(BUILD_ARGS)
	@if [ "$(CSP_DEMO)" = 1 ] && [ -n "$$(ls -A "$(DEMO_HELD)" 2>/dev/null)" ]; then \
	  $(RUN) python -m demo --release "$(DEMO_HELD)" && $(RUN) csp build; fi

up: install superset-install
	@$(MAKE) --no-print-directory build BUILD_ARGS=--if-unpublished
	@$(RUN) csp up

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

test: install superset-install chromium
	$(RUN) ruff check .
	$(RUN) pytest -q

# The browser test writes its screenshots to a temporary folder (the tests leave the tree
# clean); this target is the one way to refresh the README's pictures.
screenshots: install superset-install chromium
	CSP_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(RUN) pytest -q tests/superset/test_superset_browser.py

# The partners' blank indicator return (XLSX) of a CSP and FY quarter, into OUT (default .).
template: install
	@test -n "$(CSP)" -a -n "$(PERIOD)" || { echo "usage: make template CSP=<code or name> PERIOD='2026/27 Q2' [OUT=folder]"; exit 2; }
	$(RUN) csp template --csp "$(CSP)" --period "$(PERIOD)" --out "$(or $(OUT),.)"

bench: install
	$(RUN) python scripts/bench.py

bench-ingest: install
	$(RUN) python scripts/bench.py --ingest-rows 5000000

# Synthetic data.police.uk files for every English force (scripts/national_data.py), built
# from empty and then with one more month, in its own temporary data folder (never
# $(CSP_DATA_DIR)); then Superset's chart-data timings on that serving file. BENCH_ARGS
# scales it down: BENCH_ARGS='--forces kent,cumbria,dorset --months 24'.
bench-national: install superset-install
	$(RUN) python scripts/bench_national.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) superset/.venv dbt_project/target dbt_project/logs
