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

PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
STEP   := sh scripts/step.sh

# torch first, pinned: a CPU wheel of 2.13.0 is on disk here, an unpinned torch pulls CUDA packages.
# Each step prints what it installs and the time so far (scripts/step.sh); pip itself stays quiet.
$(STAMP): pyproject.toml
	@echo "==> installing xuncha-search into $(VENV) (first run only; a few minutes)"
	@test -x $(PY) || $(STEP) "creating the virtual environment $(VENV)" python3 -m venv $(VENV)
	@$(STEP) "installing torch 2.13.0 (CPU build, the embedding model's runtime)" $(PIP) torch==2.13.0
	@$(STEP) "installing the project and its test tools (pyproject.toml, extras [test])" $(PIP) -e '.[test]'
	@touch $(STAMP)
	@echo "==> installed into $(VENV)"

run: $(STAMP)
	$(PY) -m search_api demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) scripts/run_tests.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
