# The first two targets are the README's first two commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint format packages testbed clean

demo: $(STAMP)
	$(VENV)/bin/vxha demo

test: $(STAMP) testbed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Benchmarks run on a regular (non-editable) install, as a node runs the agents: the
# editable install's import hook would add its own start-up cost to every entry point.
BENCH_VENV := .venv-bench
bench: $(STAMP) testbed
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q '.[test]'
	cd benchmarks && ../$(BENCH_VENV)/bin/python run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

packages: $(STAMP) testbed
	$(PY) packaging/build.py

testbed:
	@bash scripts/setup-testbed.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "error: creating $(VENV) needs Python's venv module: on Debian run 'apt-get install python3-venv'" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .ruff_cache
