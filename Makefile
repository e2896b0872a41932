# Two commands on a fresh machine (prerequisite: a running Docker engine, see README.md):
#   make lab    set everything up and open the course in JupyterLab
#   make test   set everything up and run the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# nbgrader's instructor tools; its Nbgrader menu stays (it shows learners the Assignment List).
NBGRADER_INSTRUCTOR_PLUGINS := @jupyter/nbgrader:create-assignment @jupyter/nbgrader:formgrader \
	@jupyter/nbgrader:course-list

.PHONY: lab test test-fast setup images doctor lint clean labs bench

lab: images
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $(ROOT_FLAG) notebooks/00-welcome.ipynb

# TEST_ENGINES: more engines (DOCKER_HOST addresses) to run the engine-facing tests against after
# the whole suite has run on the default one; .ci/run names a modern engine with the containerd
# image store here (see .ci/start-modern-docker). A class graded in sandboxes runs on their own
# engines whatever the host's is: those tests run once (the sandbox tests, with images from each
# engine, run on every one); so do the tests marked one_engine, whose outcome the image store
# cannot change (the benchmark's harness, the hub's pages through a proxy, a Run All that does no
# step).
#
# Two streams run at once (STREAMS=2, the default), as one stream alone leaves about half of the
# cores idle, waiting on engines: (1) the tests that run on engines of their own (class_grading,
# classroom_server; the default engine only supplies images), then the pass on TEST_ENGINES, with
# a state root (COURSE_STATE_ROOT), a pytest folder and a preferred app port (COURSE_APP_PORT) of
# their own; (2) every other test on the default engine. Stream 1's output follows stream 2's;
# `make test` fails if either does. STREAMS=1 runs everything in one stream, one pass after the
# other (about 39 minutes from a fresh clone instead of 26).
TEST_ENGINES ?=
STREAMS ?= 2
OWN_ENGINES := class_grading or classroom_server
test: images
ifeq ($(STREAMS),1)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@for host in $(TEST_ENGINES); do \
		echo "== the engine-facing tests again, on $$host"; \
		DOCKER_HOST=$$host $(BIN)/grader images && \
		DOCKER_HOST=$$host $(BIN)/python -m pytest -m "docker and not ($(OWN_ENGINES)) and not one_engine" $(PYTEST_ARGS) || exit 1; \
	done
else
	@own=$$(mktemp -d /var/tmp/test-own-XXXXXX) && chmod 755 $$own || exit 1; \
	( export COURSE_STATE_ROOT=$$own/state COURSE_APP_PORT=5055 && \
	  $(BIN)/python -m pytest -m "$(OWN_ENGINES)" -p no:cacheprovider --basetemp=$$own/tmp $(PYTEST_ARGS) && \
	  for host in $(TEST_ENGINES); do \
		echo "== the engine-facing tests again, on $$host"; \
		DOCKER_HOST=$$host $(BIN)/grader images && \
		DOCKER_HOST=$$host $(BIN)/python -m pytest -m "docker and not ($(OWN_ENGINES)) and not one_engine" -p no:cacheprovider --basetemp=$$own/tmp $(PYTEST_ARGS) || exit 1; \
	  done ) > $$own.log 2>&1 & own_pid=$$!; \
	$(BIN)/python -m pytest -m "not ($(OWN_ENGINES))" $(PYTEST_ARGS); rest=$$?; \
	wait $$own_pid; own_status=$$?; \
	echo "== the tests on engines of their own ($(OWN_ENGINES)), then the pass on other engines:"; \
	cat $$own.log; rm -rf $$own $$own.log; \
	echo "== make test: others exited $$rest, own engines and other engines exited $$own_status"; \
	[ $$rest -eq 0 ] && [ $$own_status -eq 0 ]
endif

# The inner loop: every test that needs no Docker engine, no root and no browser (the hub's server
# in-process, names, results, recorded diagnoses, rosters, settings, the architecture's contracts),
# with DOCKER_HOST pointing nowhere so a test that reaches for an engine fails instead of using one.
test-fast: setup
	DOCKER_HOST=unix:///nonexistent/docker.sock $(BIN)/python -m pytest -m "not docker and not browser" -p no:cacheprovider $(PYTEST_ARGS)

# Every benchmark, each with its baseline measured in the same run (table + bench/results/*.json).
bench: images
	$(BIN)/python -m bench $(BENCH_ARGS)

# The one image step: pull what the course needs, else build it offline; says which and why.
images: setup
	$(BIN)/grader images

# Instructors: after editing a lab's text source (solutions/LAB/LAB.py), regenerate its notebook
# and the student version in labs/ (never edit labs/ by hand; a test fails when it is stale).
LAB_NAMES := $(notdir $(wildcard solutions/lab*))
labs: setup
	for lab in $(LAB_NAMES); do \
		$(BIN)/jupytext --quiet --update --to ipynb solutions/$$lab/$$lab.py -o solutions/$$lab/$$lab.ipynb && \
		PATH=$(abspath $(BIN)):$$PATH $(BIN)/nbgrader generate_assignment $$lab --force --log-level=WARN || exit 1; \
	done

doctor: setup
	$(BIN)/grader doctor

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

# The virtual environment is made once and refreshed whenever pyproject.toml changes.
setup: $(VENV)/.installed $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json .node/.installed

# JupyterHub's proxy for `grader classroom` (configurable-http-proxy, from the npm registry).
.node/.installed:
	npm install --silent --no-save --no-audit --no-fund --prefix .node configurable-http-proxy@5.3.0
	touch $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Students see nbgrader's assignment list and Validate button, not the instructor's tools.
	$(BIN)/jupyter labextension disable --level=sys_prefix $(NBGRADER_INSTRUCTOR_PLUGINS) >/dev/null 2>&1
	$(BIN)/jupyter labextension lock --level=sys_prefix $(NBGRADER_INSTRUCTOR_PLUGINS) >/dev/null 2>&1
	touch $@

# JupyterLab settings for learners (jupyter/README.md): no news toast, no update check.
$(VENV)/etc/jupyter/labconfig/default_setting_overrides.json: jupyter/labconfig/default_setting_overrides.json $(VENV)/.installed
	mkdir -p $(@D)
	cp $< $@

clean:
	rm -rf $(VENV) .node .pytest_cache test-artifacts
