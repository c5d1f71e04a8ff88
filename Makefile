# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

PIP_VERSION := 26.3
PIP_TOOLS := $(VENV)/pip-tools
LOCK_OPTIONS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test lint venv lock clean-data

# Installs the locks (every transitive dependency, pinned and hashed), never the loose lists.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

# After editing requirements*.txt: re-pin the locks (current pins are kept; UPGRADE=1 takes
# the newest allowed versions). pip-tools lives in a venv of its own, outside the app's.
lock:
	test -x $(PIP_TOOLS)/bin/pip-compile || \
		($(PYTHON) -m venv $(PIP_TOOLS) && $(PIP_TOOLS)/bin/pip install --quiet pip-tools==7.6.2)
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_TOOLS)/bin/pip-compile $(LOCK_OPTIONS) $(if $(UPGRADE),--upgrade) \
		-o requirements.lock requirements.txt
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_TOOLS)/bin/pip-compile $(LOCK_OPTIONS) $(if $(UPGRADE),--upgrade) \
		-c requirements.lock -o requirements-dev.lock requirements-dev.txt

# Served on localhost only; links in mail point at this port unless OPENMAP_BASE_URL is set.
run: venv
	$(PY) manage.py migrate
	$(PY) manage.py seed-demo --if-empty
	OPENMAP_BASE_URL="$${OPENMAP_BASE_URL:-http://localhost:$(PORT)}" \
		$(VENV)/bin/streamlit run server.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Lint first: a ruff violation fails the target (and CI) before the tests run.
test: venv
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .

clean-data:
	rm -f data/openmap.sqlite3 data/openmap.sqlite3-wal data/openmap.sqlite3-shm

# The whole benchmark (bench/whole.py): the national page bench at SCALE=small|national10, then every
# capability bench at its issue's sizes, one table of every target; one part alone: `python -m bench --only …`.
SCALE ?= national10
.PHONY: bench
bench: venv
	$(PY) -m bench --scale $(SCALE)
