# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install translations i18n-update clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

# Compile the catalogs (translations/<lang>/LC_MESSAGES/messages.po) into the .mo files the app reads.
# A catalog is compiled only when its .po file is newer, so parallel test runs never rewrite one.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations: $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

# After adding or changing strings: extract them, merge them into both catalogs
# (English gets msgstr = msgid; new Turkish entries start empty), then translate what
# tests/host/test_i18n.py reports in translations/tr/LC_MESSAGES/messages.po.
I18N_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2
i18n-update: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg $(I18N_KEYWORDS) --project crm-desk --version 0.1.0 --sort-by-file -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --ignore-obsolete --no-fuzzy-matching
	$(BIN)/python translations/english.py
	$(BIN)/pybabel -q compile -d translations

# Links in emails point at the address `make run` serves (see CRM_BASE_URL in README.md).
run: export CRM_BASE_URL ?= http://127.0.0.1:5000
run: install
	$(BIN)/flask crm init
	$(BIN)/flask crm demo --once
	@echo "Serving on http://127.0.0.1:5000 with the background worker (Ctrl+C stops both)"
	@$(BIN)/flask crm worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
