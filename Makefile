# Two commands: `make dev` runs the product locally, `make test` runs every check.
# Both bootstrap the virtualenv on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: dev test lint typecheck unit bench openapi clean

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

dev: $(READY)
	$(BIN)/followup simulate

test: lint typecheck unit

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(READY)
	$(BIN)/mypy

unit: $(READY)
	$(BIN)/pytest -n 2 -q

bench: $(READY)
	$(BIN)/python -m benchmarks.webhook_latency
	$(BIN)/python -m benchmarks.send_throughput

openapi: $(READY)
	$(BIN)/python -m followup_local.openapi

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
