# market_abm: the two commands of the README, and helpers.
.PHONY: run app test lint docs clean paper reproduce bench

run:            ## set up, run the baseline and show its summary and figure
	scripts/setup.sh
	.venv/bin/market-abm run --scenario baseline --seed 1 --out results/baseline

app:            ## set up and open the interactive app on http://127.0.0.1:8765 (offline)
	scripts/setup.sh
	.venv/bin/market-abm app --port 8765

test:           ## set up (with test tools) and run the whole test suite
	scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/pytest -q

lint:
	.venv/bin/ruff check .

bench:          ## speed and memory figures at 10^4-10^6 customers (benchmarks/README.md)
	scripts/setup.sh
	.venv/bin/python benchmarks/run.py $(BENCH)

docs:           ## regenerate docs/parameters.md from the scenario fields
	.venv/bin/python -m market_abm.docs > docs/parameters.md

# Paper experiments that `make reproduce` runs at paper size, in this order; each is
# `python -m experiments.<name>` writing results/<folder>/ (see paper/README.md).
# SWEEP_EXPERIMENTS run on the sweep engine: DASK=--scheduler=tcp://HOST:8786 sends them to a
# Dask cluster. LOCAL_EXPERIMENTS run in this process.
SWEEP_EXPERIMENTS = baseline history capability_taste network pricing screening discovery \
                    pattern_validation calibration history_match
LOCAL_EXPERIMENTS = bass_docking lock_in
DASK ?=

paper:          ## build paper/paper.pdf from results/ (numbers, figures, parameter table)
	scripts/setup.sh
	.venv/bin/python -c "import typst" 2>/dev/null || .venv/bin/python -m pip install -q -e ".[paper]"
	.venv/bin/python -m paper.build

reproduce:      ## rerun the baseline and every paper experiment at paper size, then make paper
	scripts/setup.sh
	.venv/bin/market-abm run --scenario baseline --seed 1 --out results/baseline --quiet
	set -e; for e in $(SWEEP_EXPERIMENTS); do \
	  echo "== experiments.$$e"; .venv/bin/python -m experiments.$$e $(DASK); done
	set -e; for e in $(LOCAL_EXPERIMENTS); do \
	  echo "== experiments.$$e"; .venv/bin/python -m experiments.$$e; done
	$(MAKE) paper

clean:
	rm -rf .venv results/baseline
