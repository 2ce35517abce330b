"""Sweep throughput: runs per second in-process (1 worker) and on the embedded Dask cluster.

Prints ``name: value`` lines. Both engines run the same sweep (the same runs and seeds) into
fresh folders in this process, so the ratio compares like with like on the same machine at the
same time; the absolute rates depend on the machine and its load.

    .venv/bin/python benchmarks/sweep_throughput.py [--runs 16] [--workers 2] [--end-year 2010]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from market_abm.designs import validate_design
from market_abm.engines import open_engine
from market_abm.scenario import load_scenario
from market_abm.sweep import Sweep, run_sweep


def timed(out: Path, sweep: Sweep, workers: int) -> tuple[float, float, pd.DataFrame]:
    """(engine start-up s, sweep s, runs table) for one engine."""
    start = time.perf_counter()
    with open_engine(workers) as engine:
        ready = time.perf_counter()
        runs, _ = run_sweep(out, sweep, engine, log=lambda _: None,
                            progress_stream=open(os.devnull, "w"))
        done = time.perf_counter()
    return ready - start, done - ready, runs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=16)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--end-year", type=int, default=2010)
    args = p.parse_args()
    base = load_scenario("baseline", {"n_customers": 500, "end_year": args.end_year})
    sweep = Sweep(base, [{}], validate_design(base, [{}]), replicates=args.runs, root_seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        _, serial, a = timed(Path(tmp) / "serial", sweep, 1)
        startup, parallel, b = timed(Path(tmp) / "dask", sweep, args.workers)
    pd.testing.assert_frame_equal(a, b)
    print(f"runs: {args.runs}")
    print(f"run_years: {args.end_year - 1990 + 1}")
    print(f"cores: {os.cpu_count()}")
    print(f"in_process_runs_per_s: {args.runs / serial:.3f}")
    print(f"dask_workers: {args.workers}")
    print(f"dask_startup_s: {startup:.2f}")
    print(f"dask_runs_per_s: {args.runs / parallel:.3f}")
    print(f"speedup_dask_vs_in_process: {serial / parallel:.2f}")
    print(f"speedup_including_startup: {serial / (parallel + startup):.2f}")
    print("identical_results: True")


if __name__ == "__main__":
    main()
