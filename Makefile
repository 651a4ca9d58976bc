# process-sandbox: every target sets up what it needs (virtual environment, Docker
# engine, sandbox image) and then does its job. `make help` lists them.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SANDBOX := $(PY) -m sandbox
# The images' Python versions (3.11 3.13 3.14): `make image PYTHONS="3.13 3.14"`,
# `make matrix PYTHONS="3.11 3.14"`. 3.11 (Debian bookworm) is the default everywhere.
PYTHONS ?= 3.11

.DEFAULT_GOAL := help
.PHONY: help venv engine image setup zombie list matrix golden test unit lint bench chaos compose clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "python3's venv module is missing: apt-get install python3-venv"; exit 2; }
	$(PYTHON) -m venv $(VENV)
ifeq ($(wildcard wheels/*.whl),)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
else
	@# An unpacked workshop bundle (`make bundle`): offline, from its wheels, no dev tools.
	$(PY) -m pip install --quiet --no-index --find-links wheels -e . || { \
	  echo "cannot install from wheels/: they are for the Python and platform BUNDLE.json" \
	    "names under \"wheels\"; use one of those: make load PYTHON=python3.X"; exit 2; }
endif
	touch $@

venv: $(STAMP) ## create .venv with the controller and the dev tools

engine: $(STAMP) ## find a Docker engine, or install and start one (root Debian/Ubuntu)
	$(SANDBOX) engine

image: $(STAMP) ## build the sandbox image, offline from Debian packages, unless up to date
	@for version in $(PYTHONS); do $(SANDBOX) image --python $$version || exit 1; done

setup: image ## everything `make zombie` and `make test` need

list: $(STAMP) ## list the scenarios and PID 1 modes
	$(SANDBOX) list

# One target per scenario folder: `make zombie`, `make orphan`, ... (`make list` names them).
SCENARIOS := $(patsubst scenarios/%/scenario.py,%,$(wildcard scenarios/*/scenario.py))
.PHONY: $(SCENARIOS)
$(SCENARIOS): image
	@for version in $(PYTHONS); do \
	  echo "$(SANDBOX) run $@ --python $$version"; \
	  $(SANDBOX) run $@ --python $$version || exit $$?; done

zombie: ## the seed's zombie demo under noreap and tini, with its checks (and so on: make list)

matrix: image ## every scenario under every PID 1 mode, side by side; report.md/.html/.json
	$(SANDBOX) matrix $(foreach version,$(PYTHONS),--python $(version))

golden: image ## rewrite every scenario's golden transcripts from fresh runs
	$(SANDBOX) golden

test: lint image ## lint, type-check, then unit and integration tests (real engine)
	$(PY) -m pytest

unit: $(STAMP) ## only the tests that need no engine
	$(PY) -m pytest -m 'not docker'

lint: $(STAMP) ## ruff and mypy
	$(PY) -m ruff check . scenarios/*/scenario.py
	$(PY) -m ruff format --check . scenarios/*/scenario.py
	$(PY) -m mypy
	@for declaration in scenarios/*/scenario.py benchmarks/scenarios/*/scenario.py; do \
	  $(PY) -m mypy --no-error-summary $$declaration || exit 1; done

chaos: image ## faults, bad input, hostile scripts, then 20 runs with 4 controllers killed: the figures
	$(PY) -m pytest -m 'fault or bad_input or hostile' -q
	$(PY) benchmarks/chaos.py --runs 20 --kills 4

bench: image ## every cost against its floor (trivial run, catalogue serial and -j 2, 10,000-zombie snapshots, image builds): bench.json
	$(PY) benchmarks/bench.py

compose: $(STAMP) ## rewrite compose.yaml: a service per scenario and PID 1 mode
	$(SANDBOX) compose

clean: ## remove dead controllers' containers, results, caches and the virtual environment
	@# Before the venv goes: `gc` needs it. No engine answering is no reason to fail.
	@if [ -x $(PY) ]; then $(SANDBOX) gc || echo "make clean: no container swept (see above)"; fi
	rm -rf results bench.json .pytest_cache .mypy_cache .ruff_cache $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The offline workshop: `make bundle` here, then on a machine with Docker but no network
# `tar xzf process-sandbox-workshop.tar.gz && cd process-sandbox && make load && make zombie`.
.PHONY: bundle load
bundle: image ## one archive with the images (PYTHONS) and wheels: dist/process-sandbox-workshop.tar.gz
	$(SANDBOX) bundle $(foreach version,$(PYTHONS),--python $(version))

load: $(STAMP) ## in an unpacked bundle: the venv from wheels/, the images from images/ (or BUNDLE=FILE)
	$(SANDBOX) load $(or $(BUNDLE),images)
