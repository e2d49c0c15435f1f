# `make run` sets everything up in .venv and starts the bot; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run install test eval bench clean

run: $(VENV)/.installed
	$(BIN)/citebot run

install: $(VENV)/.installed

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

eval: $(VENV)/.installed
	$(BIN)/citebot eval ../shared/eval/questions.jsonl
	$(BIN)/citebot eval eval/tuning.jsonl

bench: $(VENV)/.installed
	$(BIN)/citebot bench ../shared/eval/questions.jsonl

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
