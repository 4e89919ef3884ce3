# PyTorch Cookbook Lab. Each target creates .venv on first use and installs the course into it.
#   make lab    open the student edition in JupyterLab
#   make run    execute the course headless and print a summary   (PROFILE=smoke|quick|full, CHAPTERS="ch01 ch02")
#   make test   the whole test suite (offline, CPU); DEVICE=cuda also runs every notebook on the GPU
#   make real-data   download every real data set and pretrained weight (verified), run each chapter on them
#                    (REAL_PROFILE=quick, CHAPTERS=...); offline it says what it cannot do (REQUIRE=1: and fails)
#   make colab-links rewrite the "Open in Colab" links of README.md and docs/colab.md
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= smoke
DEVICE ?= auto
CHAPTERS ?=
JOBS ?= auto
REAL_PROFILE ?= quick
REQUIRE ?=

.PHONY: install lab run test release bench doctor real-data colab-links

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	# rfc3987-syntax (an optional format checker of jsonschema that jupyter-events pulls in) compiles a Lark grammar
	# whenever nbformat is imported: 1.3 s of CPU at the start of every nbgrader, papermill, jupyter and cookbook
	# process, half of what autograding one notebook costs. Nothing in the course validates IRIs: remove it.
	$(BIN)/python -m pip uninstall --quiet -y rfc3987-syntax lark
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

run: $(STAMP)
	$(BIN)/cookbook run --profile $(PROFILE) --device $(DEVICE) $(CHAPTERS)

test: $(STAMP)
	COOKBOOK_TEST_DEVICE=$(filter cuda mps,$(DEVICE)) $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=40

release: $(STAMP)
	$(BIN)/cookbook release

bench: $(STAMP)
	$(BIN)/python benchmarks/suite.py --profile $(PROFILE) $(CHAPTERS)
	$(BIN)/python benchmarks/training_overhead.py

doctor: $(STAMP)
	$(BIN)/cookbook doctor

real-data: $(STAMP)
	$(BIN)/python scripts/real_data.py --profile $(REAL_PROFILE) $(if $(filter 1 yes true,$(REQUIRE)),--require) $(CHAPTERS)

colab-links: $(STAMP)
	$(BIN)/python -m cookbook.hosted
