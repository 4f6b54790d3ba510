# The two commands of the set-up contract (see README):
#   make run   — install, index the bundled sample notices into ./data, serve API + web page
#   make test  — install, run the whole test suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint install

install: $(STAMP)

# torch first, pinned: a CPU wheel of 2.13.0 is on disk here, an unpinned torch pulls CUDA packages.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m search_api demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) scripts/run_tests.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
