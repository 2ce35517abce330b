# market_abm: the two commands of the README, and helpers.
.PHONY: run test lint docs clean

run:            ## set up, run the baseline and show its summary and figure
	scripts/setup.sh
	.venv/bin/market-abm run --scenario baseline --seed 1 --out results/baseline

test:           ## set up (with test tools) and run the whole test suite
	scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/pytest -q

lint:
	.venv/bin/ruff check .

docs:           ## regenerate docs/parameters.md from the scenario fields
	.venv/bin/python -m market_abm.docs > docs/parameters.md

clean:
	rm -rf .venv results/baseline
