# Two commands: `make run` and `make test`. Both set up what they need and are idempotent:
# stamps in .venv record what is installed, so a second run only does the work.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
export SIM_HOME ?= $(CURDIR)/.sim

.PHONY: run test test-sweep install dev ingest lint bench clean llm

run: install ingest
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: dev
	$(BIN)/ruff check simulator tests app.py ui
	$(BIN)/ruff format --check simulator tests app.py ui
	$(BIN)/mypy simulator
	$(BIN)/lint-imports
	$(BIN)/interview-sim validate --strict
	PIP=$(BIN)/pip scripts/llama_server.sh prepare >/dev/null
	$(BIN)/pytest

# Minutes of real-model work kept out of `make test`: SmolLM2 qualified on the real llama-server.
test-sweep: dev
	PIP=$(BIN)/pip scripts/llama_server.sh prepare >/dev/null
	$(BIN)/pytest -m sweep

install: $(VENV)/.stamp-install
dev: $(VENV)/.stamp-dev

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "make needs Python 3.11 as '$(PYTHON)', which is not on PATH:" \
		"install it, or point make at one, e.g. make run PYTHON=/opt/python3.11/bin/python3" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than 3.11:" \
		"point make at Python 3.11, e.g. make run PYTHON=/opt/python3.11/bin/python3" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The CPU wheel first: an unpinned torch pulled in by sentence-transformers is a multi-GB CUDA build.
$(VENV)/.stamp-torch: $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	touch $@

# The voice extra (Piper, GPL-3.0) is a separate program the app runs, never imports: see the README.
$(VENV)/.stamp-install: $(VENV)/.stamp-torch pyproject.toml setup.py
	$(BIN)/pip install --quiet -e '.[voice]'
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-install pyproject.toml setup.py
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# A local OpenAI-compatible LLM server for the LLM judge (and the tests): llama.cpp's llama-server,
# built once per machine into ~/.cache/interview-sim (about 5 min on 2 cores), serving SmolLM2-135M
# on http://127.0.0.1:${SIM_LLM_PORT:-8088}/v1 in the foreground.
llm: $(BIN)/python
	PIP=$(BIN)/pip scripts/llama_server.sh serve

ingest: install
	$(BIN)/interview-sim ingest

lint: dev
	$(BIN)/ruff check simulator tests app.py ui
	$(BIN)/ruff format --check simulator tests app.py ui
	$(BIN)/mypy simulator
	$(BIN)/lint-imports

bench: install
	$(BIN)/interview-sim bench

# Screenshots of every page into docs/, taken by the browser test over the whole bank.
screenshots: dev
	SIM_E2E_SCREENSHOTS=docs SIM_E2E_FULL_BANK=1 $(BIN)/pytest tests/e2e -q

clean:
	rm -rf $(VENV) .sim .pytest_cache .mypy_cache .ruff_cache
