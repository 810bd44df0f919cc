# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install translations clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -f -q || $(BIN)/pybabel compile -d translations -q

run: install
	$(BIN)/flask crm init
	$(BIN)/flask crm demo --once
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C stops)"
	$(BIN)/flask crm worker --background &
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
