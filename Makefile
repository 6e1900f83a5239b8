# Two commands for a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: run test lint bench bench-full index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# torch first, pinned: this picks the CPU build (a bare "torch" pulls a CUDA build).
# Then the single-pass e5 engine is compiled (embeddings/e5_engine.py; ~3 s, needs gcc).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m embeddings.e5_engine
	@# the CJK font tests/docmaker.py draws scanned pages with; Debian's, only where we may
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	    && ! dpkg-query -W -f '$${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q "ok installed"; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	fi
	@# LibreOffice headless, which converts .doc/.wps/.rtf (bot/engine/documents/formats/legacy.py)
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	    && ! dpkg-query -W -f '$${Status}' libreoffice-writer-nogui 2>/dev/null | grep -q "ok installed"; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null; \
	fi
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/qabot index

run: $(STAMP)
	$(BIN)/qabot index --if-stale
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then exec $(BIN)/qabot serve; else exec $(BIN)/qabot chat; fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

bench-full: $(STAMP)
	$(BIN)/python bench/run_all.py --full

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
