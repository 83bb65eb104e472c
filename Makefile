# Otklik — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_ARGS ?= -n 2
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test lint install assets system-deps test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "Нужен Python 3.11"'
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

package-lock.json: package.json
	npm install --package-lock-only --no-audit --no-fund --loglevel=error

install: $(STAMP) assets

assets: $(NODE_STAMP)

## Set up everything, load the demo district into an empty database and start the server.
run: install
	$(BIN)/otklik migrate
	$(BIN)/otklik demo load --if-empty
	$(BIN)/otklik serve

## Install everything and run the whole suite (lint, then tests on SQLite; on PostgreSQL too under CI
## or when OTKLIK_TEST_POSTGRES_URL is set).
test: install system-deps lint test-sqlite
	@if [ -n "$$OTKLIK_TEST_POSTGRES_URL" ] || [ -n "$$CI" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL =="
	DATABASE_URL=$${OTKLIK_TEST_POSTGRES_URL:-$(PG_TEST_URL)} $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check otklik tests bench
	$(BIN)/ruff format --check otklik tests bench
	$(BIN)/mypy

## The benchmarks against PostgreSQL (bench/README.md): small by default, BENCH_SCALE=full for issue #12's sizes.
bench: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
	$(BIN)/python -m bench.run

system-deps:
	@bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) node_modules var/static
