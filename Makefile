# The two quick-start commands are `make demo` and `make test`; everything they need is set up here.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench bench-extract bench-voices bench-speech bench-serve bench-scale bench-latency services worker clean

$(STAMP): pyproject.toml scripts/install-neural.sh scripts/install-web.sh
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Debian: apt-get install python3 python3-venv)"; exit 1; }
	@# Debian ships venv support separately (python3-venv); fetch it when we may, else say so.
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "python venv support is missing: apt-get install python3-venv"; exit 1; fi; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	PIP=$(BIN)/pip bash scripts/install-neural.sh
	bash scripts/install-web.sh
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newsaudio demo

services:
	bash scripts/services.sh

test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_speech.py

bench-extract: $(STAMP)
	$(BIN)/python benchmarks/bench_extract.py

bench-voices: $(STAMP)
	$(BIN)/python benchmarks/bench_voices.py
	$(BIN)/python -u benchmarks/bench_memory.py

bench-serve: $(STAMP)
	$(BIN)/python benchmarks/bench_serve.py

# Polls, publishing, mastering and the long-article split at newsroom scale (issue 13); ~10 min.
bench-scale: $(STAMP)
	$(BIN)/python -u benchmarks/bench_scale.py

# A CMS push of a 600-word article to the item in the feed and the WebSub ping, through the API,
# real Celery workers on Redis (db 13) and the web app's ping sender; espeak and the house voice,
# 1 and 2 synth processes (~30 min on 2 cores).
bench-latency: $(STAMP) services
	$(BIN)/python -u benchmarks/bench_latency.py

worker: $(STAMP) services
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

clean:
	rm -rf data output/audio output/feeds output/cover.png
