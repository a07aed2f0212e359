# The two commands a bureau's IT officer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A stamp per install flavour, so a changed pyproject.toml reinstalls and nothing else does.
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed

.PHONY: demo test test-sqlite test-postgres audit install messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(INSTALLED)

install: $(INSTALLED)

## demo: migrate an SQLite database under var/, load the Bazhong demo data, serve http://127.0.0.1:8000
demo: $(INSTALLED)
	$(BIN)/jiliang demo

# pytest-xdist workers per run: one per CPU (`make test TEST_WORKERS=0` runs in one process); the
# tests of an `xdist_group` mark run on one worker (a costly module fixture is made once).
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

## test: the whole suite on SQLite, then on PostgreSQL when JILIANG_TEST_DATABASE_URL is set; with
## JILIANG_AUDIT=1 (as CI runs it) each run also does the audit's contract fuzzing (tests/test_api_fuzz.py)
test: $(TEST_INSTALLED)
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$JILIANG_TEST_DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "JILIANG_TEST_DATABASE_URL is not set: the PostgreSQL run is skipped."; \
	fi

test-sqlite: $(TEST_INSTALLED)
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(PYTEST) $(PYTEST_ARGS)

test-postgres: $(TEST_INSTALLED)
	@echo "== test suite on PostgreSQL =="
	DATABASE_URL="$$JILIANG_TEST_DATABASE_URL" $(PYTEST) $(PYTEST_ARGS)

## audit: the security regression suite and the API contract fuzzing (a city and an owner token,
## AUDIT_EXAMPLES per operation, deterministic) on SQLite, then on PostgreSQL when
## JILIANG_TEST_DATABASE_URL is set; six to ten minutes. Fails on any server error, undeclared
## status code or accepted invalid body. CI (.ci/run) runs it with AUDIT_EXAMPLES=25.
AUDIT_EXAMPLES ?= 40
audit: $(TEST_INSTALLED)
	@echo "== audit on SQLite =="
	env -u DATABASE_URL JILIANG_AUDIT=1 JILIANG_FUZZ_EXAMPLES=$(AUDIT_EXAMPLES) $(PYTEST) -m audit -p no:cacheprovider $(PYTEST_ARGS)
	@if [ -n "$$JILIANG_TEST_DATABASE_URL" ]; then \
		echo "== audit on PostgreSQL =="; \
		DATABASE_URL="$$JILIANG_TEST_DATABASE_URL" JILIANG_AUDIT=1 JILIANG_FUZZ_EXAMPLES=$(AUDIT_EXAMPLES) $(PYTEST) -m audit -p no:cacheprovider $(PYTEST_ARGS); \
	else \
		echo "JILIANG_TEST_DATABASE_URL is not set: the PostgreSQL audit is skipped."; \
	fi

## messages: rebuild the translation catalogues after changing UI strings
messages: $(INSTALLED)
	cd src/jiliang && ../../$(BIN)/jiliang manage makemessages -l en --no-obsolete && ../../$(BIN)/jiliang manage compilemessages

clean:
	rm -rf $(VENV) var build src/*.egg-info
