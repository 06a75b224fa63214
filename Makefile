# The two contract commands: `make run` and `make test`. `make setup` is their shared, idempotent step.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
QC := $(VENV)/bin/qualcode
APT_RUN := libvoikko1 voikko-fi
# libreoffice-writer-nogui: `qualcode import --convert` and its test
APT_TEST := chromium fonts-dejavu-core libreoffice-writer-nogui
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export QUALCODE_DB ?= sqlite:///outputs/qualcode.db

.PHONY: setup setup-test run app import tag test test-pg test-fast bench screenshots clean-db
setup: .stamps/apt-run $(VENV)/.installed

# apt: install only what is missing, so a second run does nothing.
.stamps/apt-run:
	@missing=$$(for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "apt: installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@mkdir -p .stamps && touch $@

.stamps/apt-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "apt: installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@mkdir -p .stamps && touch $@

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -c "from qualcode.nlp import warm_lemma_cache; warm_lemma_cache()"  # simplemma's Finnish trie, once
	@touch $@

setup-test: setup .stamps/apt-test

# Import the sample interviews (already imported ones are skipped), pre-tag, start the app on 127.0.0.1:8501.
run: setup
	@mkdir -p outputs
	$(QC) import transcripts/*.docx
	$(QC) tag
	$(VENV)/bin/streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port 8501

app: setup
	$(VENV)/bin/streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port 8501

# With QUALCODE_TEST_PG=postgresql://... set, `make test` also runs the tests marked postgres and then
# the suite again with PostgreSQL as the database of every test (browser tests excepted).
test: setup-test
	$(PY) -m pytest -q $(PYTEST_ARGS)
	@if [ -n "$$QUALCODE_TEST_PG" ]; then echo "== the suite again on PostgreSQL ($$QUALCODE_TEST_PG)"; \
	  QUALCODE_TEST_BACKEND=postgres $(PY) -m pytest -q -m "not browser and not postgres" $(PYTEST_ARGS); fi

# `make test` against a throwaway PostgreSQL server (installed from Debian and started by .ci/pg-server).
test-pg: setup-test
	@url=$$(.ci/pg-server start) && trap '.ci/pg-server stop' EXIT && QUALCODE_TEST_PG=$$url $(MAKE) --no-print-directory test

test-fast: setup
	$(PY) -m pytest -q -m "not browser and not slow" $(PYTEST_ARGS)

bench: setup
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# README pictures of the app (docs/*.png): a demo project photographed in Debian's chromium.
screenshots: setup-test
	$(PY) docs/screenshots.py

clean-db:
	rm -f outputs/qualcode.db outputs/qualcode.db-wal outputs/qualcode.db-shm
