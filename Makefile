# neurolocal: one-command setup, demo, tests, benchmarks.
# `make demo` and `make test` set up .venv first when it is missing or older than pyproject.toml.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench bench-peers lint clean

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

# Optional benchmark peers (PyTorch CPU, BioTorch) in their own venv: torch 2.13's CPU wheel is
# for Python 3.11. bench_channels uses them when .venv-peers exists.
PEER_PYTHON ?= python3.11
bench-peers:
	$(PEER_PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet torch==2.13.0 numpy
	.venv-peers/bin/pip install --quiet --no-deps biotorch==0.0.16

lint: $(STAMP)
	$(VENV)/bin/ruff check neurolocal hw tests examples benchmarks

clean:
	rm -rf $(VENV) .venv-peers build *.egg-info .pytest_cache
