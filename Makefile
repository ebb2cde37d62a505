# The README's two commands: `make demo` and `make test`. Both create the virtualenv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-enrich install-size lint fmt clean venv

venv: $(STAMP)

# The tests need both extras and the `dev` dependency group (PEP 735); `--group` needs pip 25.1 or newer.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[coop-server,spark]" --group dev
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linernotes demo

# Only the tests need node: the browser tests inject axe-core (npm, pinned by package-lock.json) into every page.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/insight_bench.py
	$(BIN)/python benchmarks/insight_quality.py
	$(BIN)/python benchmarks/ai_quality.py
	$(BIN)/python benchmarks/web_bench.py
	$(BIN)/python benchmarks/render_bench.py
	$(BIN)/python benchmarks/coop_ingest.py
	$(BIN)/python benchmarks/coop_release.py
	$(BIN)/python benchmarks/hostile_bench.py

# What a plain `pip install .` weighs in a fresh venv, and that no server, Spark or test package is in it
# (downloads from PyPI; not part of `bench`, whose figures are about speed).
install-size: $(STAMP)
	$(BIN)/python benchmarks/install_size.py --python $(PYTHON)

# `linernotes enrich` at MusicBrainz's real pace (one request a second) on 5,000 artists, killed and resumed:
# about an hour and a half, so not part of `bench`.
bench-enrich: $(STAMP)
	$(BIN)/python benchmarks/enrich_bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/linernotes

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache build dist src/*.egg-info
