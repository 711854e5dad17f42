# deptwatch — every command bootstraps what it needs (a local virtualenv in .venv).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Lambda runs Python 3.12: prefer a working python3.12 (also pyenv's), fall back to python3 (>= 3.11).
PYTHON ?= $(shell for p in python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null) python3; do \
	"$$p" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo "$$p"; break; }; done)
ARGS ?=

.PHONY: help install run demo serve screenshot browser test lint format typecheck requirements template schema build deploy bench clean

help:
	@echo "make run | demo | serve | test | lint | typecheck | format | build | deploy | bench | screenshot | template | schema | requirements"

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "deptwatch needs Python 3.11 or newer (3.12 preferred) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

## The whole pipeline on the local (moto) stack, polling the live upstream APIs.
run: $(BIN)/.installed
	@$(BIN)/deptwatch run $(ARGS)

## The same pipeline offline, with the upstream served from recorded responses shipped in the repo, and two watches:
## a keyword watch (its messages at once) and the Department for Education's daily digest (one e-mail after the poll).
DEMO_WATCHES := infra/local/recordings/demo-watches.json
demo: $(BIN)/.installed
	@$(BIN)/deptwatch run --offline --watches $(DEMO_WATCHES) --digest daily $(ARGS)

## The read side (department pages, Atom, calendars, search) over the offline demo's items, at http://127.0.0.1:8080/.
serve: $(BIN)/.installed
	@$(BIN)/deptwatch serve --offline $(ARGS)

# The browser the read side's page test drives: Debian's chromium and its chromedriver, installed when missing (as
# root; otherwise that test is skipped and says why).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium chromium-driver || \
			{ apt-get update && apt-get install -y chromium chromium-driver; } || echo "chromium could not be installed"; \
		else echo "chromium is missing and installing it needs root: the browser test will be skipped"; fi; }

## A screenshot of the department page for the README (docs/screenshot.png), from the offline demo's items.
screenshot: $(BIN)/.installed browser
	$(BIN)/python -m infra.local.screenshot docs/screenshot.png

# Tests run on every core (pytest-xdist): each worker has its own moto, so they share nothing.
test: $(BIN)/.installed browser
	$(BIN)/python -m pytest -n auto $(ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m infra.codegen.template_check

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed
	$(BIN)/mypy shared functions infra

## Regenerate the files derived from a single source of truth (pinned layer requirements, per-department topics).
requirements: $(BIN)/.installed
	$(BIN)/python -m infra.codegen.requirements --write

template: $(BIN)/.installed
	$(BIN)/python -m infra.codegen.template_topics --write

schema: $(BIN)/.installed
	$(BIN)/python -m infra.codegen.schema --write

# aws-sam-cli pins its own boto3/pydantic, so it lives in its own virtualenv.
SAM_VENV := .venv-sam
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli
	@touch $@

# SAM_CLI_TELEMETRY=0: no telemetry banner on every build.
build: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 PATH="$(dir $(PYTHON)):$$PATH" $(SAM_VENV)/bin/sam build
	@test -f .aws-sam/build/SharedLayer/python/shared/__init__.py
	@test -f .aws-sam/build/FetcherFunction/functions/fetcher/app.py

deploy: build
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy $(ARGS)

bench: $(BIN)/.installed
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache .mypy_cache
