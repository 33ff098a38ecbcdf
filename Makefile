# Two set-up commands: `make run` (chat on the bundled corpus) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-fast lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the CPU wheel the machine's pip finds locally; a looser pin pulls CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,milvus,ocr]'
	touch $(STAMP)

install: $(STAMP)

# The chat on http://$(HOST):$(PORT)/ (embed: /embed, API: /api/ask); builds index/ first if missing.
HOST ?= 127.0.0.1
PORT ?= 7860
run: install
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

# The whole suite (what .ci/run runs): unit tests, the real model and index, servers, headless Chromium.
test: install
	$(BIN)/ruff check qa_app tests
	$(BIN)/pytest -q

# The unit tier for the edit loop: no embedding model, no index build, no server, no browser (tests/conftest.py
# marks every test that reaches the model `slow`); about 75 s on the 2-core box.
test-fast: install
	$(BIN)/ruff check qa_app tests
	$(BIN)/pytest -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check qa_app tests

# Scores every retriever on dev, dev2, dev3 and dev4 (each set on its own and together), cross-validates the
# answer thresholds (5 folds) and leaves each question type out; writes eval/report.{json,md,png} (committed).
EVAL_SETS = eval/dev.jsonl eval/dev2.jsonl eval/dev3.jsonl eval/dev4.jsonl
eval: install
	$(BIN)/qa eval $(addprefix --questions ,$(EVAL_SETS)) --retriever all --calibrate 5 \
		--json eval/report.json --report eval/report.md

# Build, answer latency, load at 1/8/32 clients, RSS, hostile files, the 10k/100k/1M scale run (~15 min on
# 2 cores) and the Milvus Lite figures: writes bench/results.json, bench/README.md and bench/scale.png.
# One part alone, merged into bench/results.json: .venv/bin/python -m bench.run --only hostile|milvus.
bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) index/*.json index/*.faiss index/*.npy
