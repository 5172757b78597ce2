# Two commands matter: `make up` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync

export CSP_DATA_DIR ?= $(CURDIR)/data
export CSP_LANDING_DIR ?= $(CSP_DATA_DIR)/landing
export CSP_WAREHOUSE_PATH ?= $(CSP_DATA_DIR)/warehouse.duckdb
export CSP_DEMO ?= 1
export DAGSTER_PORT ?= 3000
export DAGSTER_HOME ?= $(CSP_DATA_DIR)/.dagster
export UV_PYTHON := $(PYTHON)

.PHONY: help install build up test lint bench docs clean

help:
	@echo "make up     install, build the warehouse on demo data, serve the Dagster UI"
	@echo "make test   install and run the whole test suite"
	@echo "make build  run the whole pipeline once (ingest, dbt build, publish) and exit"
	@echo "make bench  print measured timings"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed

build: install
	$(RUN) python -m orchestration.build

up: install
	@mkdir -p "$(DAGSTER_HOME)"
	@if [ ! -f "$(CSP_DATA_DIR)/serving.duckdb" ]; then $(RUN) python -m orchestration.build; fi
	@echo "Dagster UI:   http://127.0.0.1:$(DAGSTER_PORT)"
	@echo "Serving file: $(CSP_DATA_DIR)/serving.duckdb"
	$(RUN) dagster dev -m orchestration.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

test: install
	$(RUN) ruff check .
	$(RUN) pytest -q

bench: install
	$(RUN) python scripts/bench.py

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target dbt_project/logs
