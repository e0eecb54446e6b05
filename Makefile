# The first two targets are the README's first two commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-real test bench mutants lint format packages testbed clean

demo: $(STAMP)
	$(VENV)/bin/vxha demo

# Root: the example cluster on three real nodes of this machine (docs/simulator.md).
demo-real: $(STAMP) testbed
	$(VENV)/bin/vxha demo-real

test: $(STAMP) testbed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Benchmarks run on a regular (non-editable) install, as a node runs the agents: the
# editable install's import hook would add its own start-up cost to every entry point.
# Its interpreter is the one the packages bind to (VXHA_PYTHON's default, /usr/bin/python3)
# where this machine has it: a monitor's cost is mostly its interpreter's start, and a
# locally built python3 on PATH may start slower than any node's (docs/framework.md).
BENCH_VENV := .venv-bench
BENCH_PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,$(PYTHON))
bench: $(STAMP) testbed
	@bash scripts/venv.sh $(BENCH_PYTHON) $(BENCH_VENV) regular
	cd benchmarks && ../$(BENCH_VENV)/bin/python run.py $(BENCH_ARGS)

# Mutation testing of the safety-critical functions listed in mutation/targets.toml; slow,
# so not part of `make test`. MUTANTS_ARGS="--only end_margin" runs one target.
mutants:
	$(PYTHON) mutation/run.py $(MUTANTS_ARGS)

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
	@bash scripts/venv.sh $(PYTHON) $(VENV) editable
	@touch $@

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .ruff_cache
