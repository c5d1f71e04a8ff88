# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test venv clean-data

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Served on localhost only; links in mail point at this port unless OPENMAP_BASE_URL is set.
run: venv
	$(PY) manage.py migrate
	$(PY) manage.py seed-demo --if-empty
	OPENMAP_BASE_URL="$${OPENMAP_BASE_URL:-http://localhost:$(PORT)}" \
		$(VENV)/bin/streamlit run server.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: venv
	$(PY) -m pytest

clean-data:
	rm -f data/openmap.sqlite3 data/openmap.sqlite3-wal data/openmap.sqlite3-shm

.PHONY: bench
bench: venv
	$(PY) -m bench
