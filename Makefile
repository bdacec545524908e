# Everyday tasks. Run them from the repository root inside the project's venv
# (python -m pip install -e '.[test]'). `make help` lists them.
PYTHON ?= python
LINTED := codegen tests benchmarks templates/runtime templates/__init__.py

.PHONY: help check lint format regen golden test-fast test-all bench

help:
	@echo "check      lint, format check, mypy --strict on the generator, generated/ up to date"
	@echo "lint       ruff check"
	@echo "format     ruff format (rewrites files) and ruff check --fix"
	@echo "regen      regenerate generated/ from specs/"
	@echo "golden     rewrite the golden records under tests/golden/ from the current output"
	@echo "test-fast  the quick loop: every test not marked slow"
	@echo "test-all   the whole suite, as CI runs it (needs ../shared)"
	@echo "bench      the generation and runtime benchmarks (long; see the README's Benchmarks section)"

check: lint
	$(PYTHON) -m ruff format --check $(LINTED)
	$(PYTHON) -m mypy --strict codegen
	$(PYTHON) -m codegen generate --check -q

lint:
	$(PYTHON) -m ruff check $(LINTED)

format:
	$(PYTHON) -m ruff check --fix $(LINTED)
	$(PYTHON) -m ruff format $(LINTED)

regen:
	$(PYTHON) -m codegen generate

golden:
	CODEGEN_REFRESH_GOLDEN=1 $(PYTHON) -m pytest -q -m golden

test-fast:
	$(PYTHON) -m pytest -q -m "not slow"

test-all:
	$(PYTHON) -m pytest -q

# BENCH_PYTHON: an interpreter with only the runtime's dependencies and the
# official SDK, for the runtime comparison (benchmarks/runtime.py says how to make one).
BENCH_PYTHON ?= $(PYTHON)

bench:
	$(PYTHON) benchmarks/generate.py --runs 3
	$(PYTHON) benchmarks/runtime.py --python $(BENCH_PYTHON)
