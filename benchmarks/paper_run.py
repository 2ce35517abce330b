"""The paper-size run's cost by phase: prints one ``name: value`` line per figure.

    .venv/bin/python benchmarks/paper_run.py            # 3 repeats, seed 1
    .venv/bin/python benchmarks/paper_run.py --repeats 5 --seed 2

The run is the one ``make run`` makes (scenario ``baseline``: 2,000 customers, monthly,
1990-2050) in this single-threaded process. Figures, each the minimum over the repeats (the
least disturbed by other work on a shared machine) with the median beside it:

- ``model_s``: set-up and run of the model (the CLI's "in N s" less the files);
- ``review_s``: of which the yearly reviews (``MarketModel.review_year``);
- ``network_s``: the yearly network metrics of the run (``network_metrics``);
- ``files_s``: writing every file of a run folder (``write_run_files``: Parquet tables,
  metrics, events, two figures and the manifest, the network metrics included);
- ``total_s``: model_s + files_s, what the CLI's "in N s" reports (issue 26: at most 2 s);
- ``load_average``: the machine's 1-minute load at the start (2 cores: 0 is idle).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")


def one_run(seed: int) -> dict[str, float]:
    """Time one paper-size run by phase (seconds)."""
    from market_abm import MarketModel, load_scenario
    from market_abm.network import network_metrics
    from market_abm.runner import simulate, write_run_files

    scenario = load_scenario("baseline", {})
    review = [0.0]
    original = MarketModel.review_year

    def timed_review(self):
        start = time.perf_counter()
        try:
            return original(self)
        finally:
            review[0] += time.perf_counter() - start

    MarketModel.review_year = timed_review
    try:
        start = time.perf_counter()
        result = simulate(scenario, seed)
        model_s = time.perf_counter() - start
    finally:
        MarketModel.review_year = original
    start = time.perf_counter()
    network_metrics(result.flows, result.firms, result.exited, scenario.segment_grid ** 2)
    network_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_run_files(result, Path(tmp), {})
        files_s = time.perf_counter() - start
    return {"model_s": model_s, "review_s": review[0], "network_s": network_s,
            "files_s": files_s, "total_s": model_s + files_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs timed (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"load_average: {os.getloadavg()[0]:.2f}")
    runs = [one_run(args.seed) for _ in range(args.repeats)]
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"{name}: {min(values):.2f}  (median {statistics.median(values):.2f}, "
              f"{args.repeats} runs)")


if __name__ == "__main__":
    main()
