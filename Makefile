# Everything a newcomer needs: `make run` to see the cockpit alive, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshots install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cockpit drill

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# The cockpit's bytecode is compiled first, as an install from a wheel has it: an environment that
# sets PYTHONDONTWRITEBYTECODE would otherwise have every measured command compile its modules.
bench: $(STAMP)
	$(BIN)/python -m compileall -q cockpit
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

screenshots: $(STAMP)
	$(BIN)/python -m cockpit.ui.screenshots screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
