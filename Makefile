# Two entry points (see README): `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint eval bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU wheel first, or pip pulls a multi-GB CUDA build of torch
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m assistant serve --ingest

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy core assistant ingest eval prompts
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m eval run

bench: $(STAMP)
	$(PY) -m assistant bench
