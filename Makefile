# crimelink — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CRIMELINK := $(VENV)/bin/crimelink
DEMO_DIR := var/demo
DEMO_DB := sqlite:///var/demo/crimelink.sqlite
DEMO_INCIDENTS ?= 20000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export SCARF_ANALYTICS := false

.PHONY: setup demo test test-fast lint typecheck bench clean browser

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,spark,pdf,oidc]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

src/crimelink/web/static/vendor/.installed: node_modules/.installed $(VENV)/.installed
	$(PY) -m crimelink.web.vendor
	touch $@

## setup: virtualenv, Python packages, front-end packages
setup: $(VENV)/.installed src/crimelink/web/static/vendor/.installed

## browser: Debian's Chromium for the browser tests (Playwright's own download does not work here)
browser:
	@scripts/ensure-chromium.sh

## demo: generate a national scenario, import and analyse it, serve http://127.0.0.1:8000
demo: setup
	@mkdir -p $(DEMO_DIR)
	@test -s $(DEMO_DIR)/scenario.jsonl || $(CRIMELINK) generate --incidents $(DEMO_INCIDENTS) --seed 7 --out $(DEMO_DIR)/scenario.jsonl
	$(CRIMELINK) org import $(DEMO_DIR)/scenario.jsonl.truth/organisations.csv --db $(DEMO_DB)
	$(CRIMELINK) import $(DEMO_DIR)/scenario.jsonl --db $(DEMO_DB) --rejects $(DEMO_DIR)/rejects.jsonl
	$(CRIMELINK) analyse --db $(DEMO_DB)
	$(CRIMELINK) casework seed --seed 7 --db $(DEMO_DB)
	CRIMELINK_DEMO=1 $(CRIMELINK) serve --db $(DEMO_DB) --host 127.0.0.1 --port 8000

## test: set everything up and run the whole suite (SQLite, PostgreSQL, headless browser)
test: setup browser
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/deptry src
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --dist loadfile -q

## lint, typecheck: the house rules
lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/deptry src
typecheck: setup
	$(VENV)/bin/mypy

## bench: speed and scale figures (prints them; compares with the peers named in the issues)
bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules src/crimelink/web/static/vendor var .pytest_cache .mypy_cache .ruff_cache
