# Quick start: `make run` (demo data + embedded server), `make test` (lint, types, tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.taizhang-installed

.PHONY: venv run test imports

venv: $(STAMP)

# Reinstall only when the project metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

run: venv
	$(BIN)/taizhang demo
	$(BIN)/taizhang serve --embedded

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict domain
	$(BIN)/pytest -q
	# The whole suite again with the plain writer (TAIZHANG_WRITER, docs/ARCHITECTURE.md).
	TAIZHANG_WRITER=plain $(BIN)/pytest -q -p no:cacheprovider

# The import contracts (pyproject.toml [tool.importlinter]) on the sources laid out as installed.
imports: venv
	$(BIN)/python -m tests.installed_layout
