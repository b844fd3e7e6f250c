# The two commands of the quickstart: `make serve` and `make test`. Both create .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make serve HOST=0.0.0.0 PORT=9000`; unset, optimizer-api's own defaults apply (config.py).
HOST ?=
PORT ?=
export OPTIMIZER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: serve test lint bench bench-throughput bench-mo bench-gp-large bench-load demo vendor clean lock screenshot \
	bench-gp-tails bench-gp-seq bench-gp-batch bench-gp-highd bench-gp-long bench-gp-noisy

# Each stamp records which extras are installed; it is redone when pyproject.toml changes.
$(VENV)/.stamp-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml client/pyproject.toml $(VENV)/.stamp-base
	$(BIN)/python -m pip install --quiet -e '.[test]' -e ./client
	touch $@

$(VENV)/.stamp-bench: pyproject.toml $(VENV)/.stamp-test
	$(BIN)/python -m pip install --quiet -e '.[bench,test]' -e ./client
	touch $@

serve: $(VENV)/.stamp-base
	$(BIN)/optimizer-api serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check optimizer_api client tests benchmarks scripts
	$(BIN)/hadolint Dockerfile

test: lint
	$(BIN)/python -m pytest -q

bench: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/gp_quality.py
	$(BIN)/python benchmarks/gp_cost.py
	$(BIN)/python benchmarks/gp_http.py latency
	$(BIN)/python benchmarks/gp_http.py quality
	$(BIN)/python benchmarks/early_stopping.py
	$(BIN)/python benchmarks/importance.py
	$(BIN)/python benchmarks/warm_start.py

bench-throughput: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/throughput.py

# Several objectives and constraints against Optuna's GPSampler, NSGA-II and TPE
# (resumable: finished runs are kept in benchmarks/results/mo_quality.jsonl).
bench-mo: $(VENV)/.stamp-bench
	nice -n 10 $(BIN)/python benchmarks/mo_quality.py

# The GP past a few thousand trials: latency at n = 1,000-10,000 in-process and through
# HTTP on a seeded SQLite study, quality at n = 2,000 (benchmarks/results/gp_large.md).
bench-gp-large: $(VENV)/.stamp-bench
	nice -n 10 $(BIN)/python benchmarks/gp_large.py latency
	nice -n 10 $(BIN)/python benchmarks/gp_large.py http --pg-url "$(OPTIMIZER_TEST_POSTGRES_URL)"
	nice -n 10 $(BIN)/python benchmarks/gp_large.py quality

# Issue 11's tables, ours rerun (other methods' runs come from
# benchmarks/results/gp_quality_cache.jsonl; a missing one is run and cached): sequential
# 64 trials (gp_quality_tails), batches of 4 against each method's own sequential runs
# (gp_batch), 20-60-D at 200 trials (gp_highd), 500 trials with and without the subsets
# (gp_long), noisy Branin, Hartmann-6 and mixed, regret on the noiseless function
# (gp_noisy). The hand-written reading above each .md's generated marker is kept.
GPQ = nice -n 10 $(BIN)/python benchmarks/gp_quality.py --procs 1
bench-gp-tails: bench-gp-seq bench-gp-batch bench-gp-highd bench-gp-long bench-gp-noisy
bench-gp-seq: $(VENV)/.stamp-bench
	$(GPQ) --budget 64 --seeds 20 --methods ours,optuna_gp --out gp_quality_tails
BATCH_SEEDS ?= 20
bench-gp-batch: $(VENV)/.stamp-bench
	$(GPQ) --batch 4 --budget 64 --seeds $(BATCH_SEEDS) --methods ours,optuna_gp --out gp_batch \
		--sequential benchmarks/results/gp_quality_tails.json,benchmarks/results/gp_quality_cache.jsonl
bench-gp-highd: $(VENV)/.stamp-bench
	$(GPQ) --set high_d --budget 200 --seeds 10 --methods ours,optuna_gp,optuna_tpe --out gp_highd
bench-gp-long: $(VENV)/.stamp-bench
	$(GPQ) --budget 500 --seeds 4 --problems hartmann6,levy6 --checkpoints 300,400,500 \
		--methods ours,ours_subset=4096/4096 --ref ours --out gp_long
bench-gp-noisy: $(VENV)/.stamp-bench
	$(GPQ) --set noisy --budget 64 --seeds 20 --methods ours,optuna_gp --out gp_noisy

# nginx in front of two replicas on PostgreSQL, 16/64/200 worker processes, random and
# Bayesian, beside Optuna's RDB storage: 5-minute cells, about 45 minutes in all
# (`LOAD_ARGS="--seconds 60"` for shorter ones). Writes benchmarks/results/load.{md,json}.
LOAD_ARGS ?=
bench-load: $(VENV)/.stamp-bench
	nice -n 10 $(BIN)/python benchmarks/load.py $(LOAD_ARGS)

# The MLP example (4 worker processes, Bayesian search, median early stopping) against
# a service started on a temporary SQLite file, stopped at the end.
demo: $(VENV)/.stamp-test
	$(BIN)/python scripts/demo.py

# The README's picture of the dashboard (docs/dashboard.png): the browser test's
# study-overview.png of its demo study (needs /usr/bin/chromium).
screenshot: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -q -x tests/web/test_dashboard.py \
		-k test_study_page_header_and_every_chart_hold_the_studys_trials
	cp build/test-artifacts/study-overview.png docs/dashboard.png

# Refresh the dashboard's vendored JavaScript (ECharts, Redoc) with `npm pack`: pinned
# versions in scripts/vendor.py; the files and optimizer_api/web/static/vendor/VENDOR.md
# are committed, so installing the service needs no Node.
vendor:
	$(PYTHON) scripts/vendor.py
# requirements.lock: the exact versions the Docker image installs, as `pip install .`
# resolves them today in a clean virtual environment. Refresh it with `make lock` after
# changing the dependencies in pyproject.toml (a test fails while it is out of step).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet .
	{ echo "# The service's dependencies as the Docker image installs them: \`make lock\` refreshes it."; \
	  echo "# Resolved by pip for Python $$(.lock-venv/bin/python -c 'import platform; print(platform.python_version())') on Linux."; \
	  .lock-venv/bin/python -m pip freeze --exclude optimizer-api --exclude pip; } > requirements.lock
	rm -rf .lock-venv build optimizer_api.egg-info

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .ruff_cache
