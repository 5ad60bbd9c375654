# The README's two commands. Each works on a fresh machine with only Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: app test lint system-deps

app: $(STAMP)  ## start the dashboard on the default scenario
	$(BIN)/streamlit run app.py --browser.gatherUsageStats false

test: $(STAMP) system-deps  ## install everything the tests need, lint, type-check, run the whole suite
	$(BIN)/ruff check finmodel tests app.py app_pages benchmarks scripts
	$(BIN)/pyright
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check finmodel tests app.py app_pages benchmarks scripts
	$(BIN)/pyright

system-deps:  ## Chromium, CJK fonts, LibreOffice (Debian packages) for browser and workbook tests
	bash scripts/install_system_deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)
