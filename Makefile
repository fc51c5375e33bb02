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

bench: $(STAMP)
	$(PY) -m benchmarks

demo: $(STAMP)
	$(PY) -m codomyrmex_cloud.demo

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
