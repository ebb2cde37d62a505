# The README's two commands: `make demo` and `make test`. Both create the virtualenv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint fmt clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linernotes demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/insight_bench.py
	$(BIN)/python benchmarks/insight_quality.py
	$(BIN)/python benchmarks/ai_quality.py
	$(BIN)/python benchmarks/web_bench.py
	$(BIN)/python benchmarks/coop_ingest.py
	$(BIN)/python benchmarks/coop_release.py
	$(BIN)/python benchmarks/hostile_bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/linernotes

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build dist src/*.egg-info
