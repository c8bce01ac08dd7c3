# Two commands: `make dev` runs the product locally, `make test` runs every check.
# Both bootstrap the virtualenv on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
NODE_READY := node_modules/.ready
WEB_BUILT := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f) web/index.html web/vite.config.ts web/tsconfig.json
BROWSER_READY := $(VENV)/.chromium-headless-shell
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export CDK_DISABLE_CLI_TELEMETRY := true
# The CDK CLI, the CDK's Python bindings and the layer's compiler run on the Node.js that
# package.json pins, where npm has it for this platform; the machine's own otherwise.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: dev test lint typecheck unit fuzz-api bench openapi synth deploy web clean

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's headless Chromium, the browser without its window
# (lighter per page than the whole browser's headless mode); install it when missing.
$(BROWSER_READY): $(READY)
	command -v chromium-headless-shell >/dev/null 2>&1 || \
	  $(SUDO) sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null'
	touch $@

web/node_modules/.ready: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILT): web/node_modules/.ready $(WEB_SOURCES)
	npm run --prefix web build --silent

# `make dev PORT=8100 ARGS="--contacts 100"`: flags for `followup dev`.
dev: $(READY) $(WEB_BUILT)
	$(BIN)/followup dev $(if $(PORT),--port $(PORT)) $(ARGS)

test: lint typecheck unit

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(READY)
	$(BIN)/mypy

unit: $(READY) $(NODE_READY) $(WEB_BUILT) $(BROWSER_READY)
	$(BIN)/pytest -n 2 --dist loadfile -q --durations=25

# The admin API under schemathesis at full size: 200 examples per operation, 200 chains.
fuzz-api: $(READY)
	API_FUZZ_EXAMPLES=200 API_FUZZ_SCENARIOS=200 $(BIN)/pytest -q tests/integration/test_api_schema.py

# Figures as ratios and counts: a table, bench/results.json. `make bench ARGS=intents` runs one.
bench: $(READY)
	$(BIN)/python -m benchmarks $(ARGS)

openapi: $(READY)
	$(BIN)/python -m followup_local.openapi

web: $(WEB_BUILT)

synth: $(READY) $(NODE_READY) $(WEB_BUILT)
	npx cdk synth --no-notices --quiet

deploy: $(READY) $(NODE_READY) $(WEB_BUILT)
	npx cdk deploy --no-notices $(CDK_ARGS)

clean:
	rm -rf $(VENV) node_modules web/node_modules web/dist build cdk.out .mypy_cache .pytest_cache .ruff_cache .hypothesis
