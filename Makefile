# `make run` sets everything up in .venv and starts the bot; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run install test lint eval bench messages clean

run: $(VENV)/.installed
	$(BIN)/citebot run

install: $(VENV)/.installed

test: lint
	$(BIN)/python -m pytest

# ruff (lint and format) and mypy, configured in pyproject.toml; `$(BIN)/ruff format .` fixes formatting.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: $(VENV)/.installed
	$(BIN)/citebot eval ../shared/eval/questions.jsonl
	$(BIN)/citebot eval eval/tuning.jsonl

bench: $(VENV)/.installed
	$(BIN)/citebot bench ../shared/eval/questions.jsonl

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

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The tests also cover the sentence-transformers backend, which needs torch: 2.13.0 is the CPU build.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[st,test]'
	touch $(VENV)/.installed $@

clean:
	rm -rf $(VENV) var
