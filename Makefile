# `make run` sets everything up in .venv and starts the bot; `make test` runs the linters and the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The default install is pinned by requirements.lock (`pip freeze` of `pip install .` in a fresh venv).
LOCK := requirements.lock
# sentence-transformers needs torch: the CPU build from PyTorch's index (a plain `torch` from PyPI is
# the multi-GB CUDA build); a plain install only if that index cannot be reached.
TORCH := torch==2.13.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu

.PHONY: run install test test-st lint eval bench messages clean

run: $(VENV)/.installed
	$(BIN)/citebot run

install: $(VENV)/.installed

test: lint
	$(BIN)/python -m pytest

# The sentence-transformers backend's tests (skipped by `make test`, which installs no torch).
test-st: $(VENV)/.installed-st
	$(BIN)/python -m pytest tests/test_sentence_transformers.py

# ruff (lint and format) and mypy, configured in pyproject.toml; `$(BIN)/ruff format .` fixes formatting.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: $(VENV)/.installed
	$(BIN)/citebot eval eval/dev.jsonl
	$(BIN)/citebot eval eval/tuning.jsonl
	$(BIN)/citebot eval eval/tuning-extra.jsonl
	@echo '--- fresh held-out set (nothing is fitted on it: report it, never tune on it)'
	$(BIN)/citebot eval eval/heldout.jsonl

bench: $(VENV)/.installed
	$(BIN)/citebot bench eval/dev.jsonl

# The bot's texts: extract msgids from bot/ and citebot/ into the template, merge it into each
# language's catalog, compile the .mo files the bot loads. Translate new entries in the .po files,
# then run it again. (citebot/bot is a link to bot/, which os.walk does not follow: no duplicates.)
LOCALES_DIR := bot/locales
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=citebot \
		--msgid-bugs-address="" -o $(LOCALES_DIR)/citebot.pot bot citebot
	$(BIN)/pybabel update -D citebot -i $(LOCALES_DIR)/citebot.pot -d $(LOCALES_DIR) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -D citebot -d $(LOCALES_DIR) --statistics

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --constraint $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --constraint $(LOCK) -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-st: $(VENV)/.installed-test
	$(BIN)/pip install --quiet --index-url $(TORCH_CPU_INDEX) $(TORCH) || $(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet --constraint $(LOCK) -e '.[st,test]'
	touch $@

# The index is rebuilt from the documents; the question log (var/citebot.sqlite3) is kept.
clean:
	rm -rf $(VENV) var/index
