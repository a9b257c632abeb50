# neurolocal: one-command setup, demo, tests, benchmarks.
# `make demo` and `make test` set up .venv first when it is missing or older than pyproject.toml.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash scripts/setup.sh $(VENV)
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m neurolocal demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --timeout 600

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -n 2

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check neurolocal hw tests examples benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
