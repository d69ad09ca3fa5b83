# gongji — the two commands of the README, and the ones developers use every day.
# Every target creates and uses a local virtual environment in .venv (nothing is installed globally).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench screenshots audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: create the embedded SQLite database, load the demo family and summarise it (every table: gongji demo --verbose),
##      then serve on 127.0.0.1:8000 and say where to go (portal, counter sign-in with a fresh token, national interface,
##      docs)
run: $(STAMP)
	$(BIN)/gongji db upgrade
	$(BIN)/gongji demo
	$(BIN)/gongji serve --demo --host 127.0.0.1 --port 8000

## test: lint, type-check, validate the rules data and run the whole suite (SQLite and PostgreSQL)
test: lint
	$(BIN)/gongji rules check
	$(BIN)/pytest

## lint: ruff and mypy (strict on domain and service)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

## bench: throughput and latency figures (printed, never asserted)
bench: $(STAMP)
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/settle.py
	$(BIN)/python benchmarks/fsi.py
	$(BIN)/python benchmarks/whatif.py

## screenshots: the portal's main pages in both languages, phone and desktop, into docs/screenshots (Debian's Chromium)
screenshots: $(STAMP)
	GONGJI_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_screenshots.py

## audit: known vulnerabilities in the installed dependencies (pip-audit; needs the advisory service online, so it
## is a target of its own and never part of `make test`; --strict fails when a dependency could not be checked)
audit: $(STAMP)
	$(BIN)/pip install --quiet -e '.[audit]'
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
