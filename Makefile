# Two commands: `make dev` runs the product locally, `make test` runs every check.
# Both bootstrap the virtualenv on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
NODE_READY := node_modules/.ready
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: dev test lint typecheck unit bench openapi synth deploy clean

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

dev: $(READY)
	$(BIN)/followup dev

test: lint typecheck unit

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(READY)
	$(BIN)/mypy

unit: $(READY) $(NODE_READY)
	$(BIN)/pytest -n 2 --dist loadfile -q

bench: $(READY)
	$(BIN)/python -m benchmarks.webhook_latency
	$(BIN)/python -m benchmarks.send_throughput

openapi: $(READY)
	$(BIN)/python -m followup_local.openapi

synth: $(READY) $(NODE_READY)
	npx cdk synth --no-notices --quiet

deploy: $(READY) $(NODE_READY)
	npx cdk deploy --no-notices $(CDK_ARGS)

clean:
	rm -rf $(VENV) node_modules build cdk.out .mypy_cache .pytest_cache .ruff_cache .hypothesis
