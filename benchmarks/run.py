"""Speed and memory of market_abm at scale: prints one ``name: value`` line per figure.

    .venv/bin/python benchmarks/run.py            # all figures (~20 min on 2 idle cores)
    .venv/bin/python benchmarks/run.py --quick    # 10,000 and 100,000 customers (~2 min)
    .venv/bin/python benchmarks/run.py --skip million --skip sweep   # leave groups out
    make bench

Figures (the targets are those of issue 6; benchmarks/README.md keeps the latest figures):

- ``baseline_<n>_wall_s``, ``_cpu_s``, ``_peak_mb``: the baseline scenario, 1990-2050 monthly,
  with n = 100,000 customers (10,000 with --quick) in a fresh single-threaded process (wall
  time of model set-up and run; peak resident memory of the process); ``customer_steps_per_s``.
  Target: at most 30 s and 2 GB.
- ``baseline_<n>_...`` for n = 1,000,000 (100,000 with --quick) and ``bytes_per_customer``:
  peak memory over customers, and ``marginal_bytes_per_customer`` between the two sizes.
  Target: at most 10 minutes and 4 GB.
- ``us_per_customer_step_<n>`` at 10,000, 100,000 and 1,000,000 customers, and the same per
  period of the run (``_1990_2019``, ``_2020_2050``): cost grows linearly with customers when
  the first is flat across sizes, and with years when it is flat across periods.
- ``network_share``: the yearly supply-network build and metrics (``network_metrics`` on the
  run's flows) over model plus network time, at 100,000 customers. Target: <= 0.10.
- ``ratio_vs_idiomatic_mesa``: wall time of the customers' step of an idiomatic Mesa model
  (benchmarks/idiomatic_mesa.py: an object per customer, ``AgentSet.shuffle_do``) over
  ``CustomerPopulation.step`` (the model's customers, one vectorised agent), same process,
  same starting state and offer (January 2035), 10,000 customers (2,000 with --quick); with
  ``shares_chi2_p`` and ``shares_match``: a chi-square test that both give the same channel
  shares. Target: at least 20.
- ``sweep_runs_per_s_<w>_workers`` for 1 and 2 Dask workers (embedded LocalCluster; the
  cluster's start-up and the workers' first import of the package excluded) on 20 paper-size
  runs (baseline, 2,000 customers, 1990-2050), and ``sweep_speedup_2_vs_1``. Target: >= 1.7.

Each size runs in its own child process (``--child``), so peak memory is that of one run.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SPLIT_YEAR = 2020  # per-period cost: start_year..2019 and 2020..end_year


def peak_mb() -> float:
    """Peak resident memory of this process (MB; Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- one baseline run, in a child process -----------------------------------------------------
def child_run(customers: int, seed: int, network: bool) -> dict:
    """Time one baseline run year by year (and its supply network); returns the figures."""
    from market_abm import MarketModel, load_scenario
    from market_abm.network import exits_frame, network_metrics

    s = load_scenario("baseline", {"n_customers": customers})
    wall0, cpu0 = time.perf_counter(), time.process_time()
    model = MarketModel(s, rng=seed)
    setup_s = time.perf_counter() - wall0
    year_s = []
    for _ in range(s.start_year, s.end_year + 1):
        start = time.perf_counter()
        model.run_for(s.steps_per_year)
        year_s.append(time.perf_counter() - start)
    flows, firms, exited = model.flows, model.firm_table, exits_frame(model.exited)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    out = {"customers": customers, "steps": s.n_steps, "wall_s": wall, "cpu_s": cpu,
           "setup_s": setup_s, "year_s": year_s, "start_year": s.start_year,
           "steps_per_year": s.steps_per_year, "peak_mb": peak_mb(),
           "population_mb": model.customers.nbytes() / 2**20}
    if network:
        del model
        gc.collect()  # freeing the agents is the model's cost, not the network's
        start = time.perf_counter()
        network_metrics(flows, firms, exited, s.segment_grid ** 2)
        out["network_s"] = time.perf_counter() - start
    return out


def run_child(customers: int, seed: int, network: bool) -> dict:
    """``child_run`` in a fresh single-threaded interpreter; its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(customers),
           "--seed", str(seed)] + (["--network"] if network else [])
    env = {**os.environ, **SINGLE_THREAD}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"benchmark run with {customers} customers failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_figures(r: dict) -> dict[str, float]:
    """name: value figures of one child run."""
    n, tag = r["customers"], size_tag(r["customers"])
    per_year = r["steps_per_year"]
    years = np.arange(r["start_year"], r["start_year"] + len(r["year_s"]))
    early = np.array(r["year_s"])[years < SPLIT_YEAR].sum()
    late = np.array(r["year_s"])[years >= SPLIT_YEAR].sum()
    us = 1e6 / n
    fig = {
        f"baseline_{tag}_wall_s": r["wall_s"],
        f"baseline_{tag}_cpu_s": r["cpu_s"],
        f"baseline_{tag}_setup_s": r["setup_s"],
        f"baseline_{tag}_peak_mb": r["peak_mb"],
        f"customer_steps_per_s_{tag}": n * r["steps"] / r["wall_s"],
        f"us_per_customer_step_{tag}": r["wall_s"] * us / r["steps"],
        f"us_per_customer_step_{tag}_{years[0]}_{SPLIT_YEAR - 1}":
            early * us / ((years < SPLIT_YEAR).sum() * per_year),
        f"us_per_customer_step_{tag}_{SPLIT_YEAR}_{years[-1]}":
            late * us / ((years >= SPLIT_YEAR).sum() * per_year),
        f"bytes_per_customer_{tag}": r["peak_mb"] * 2**20 / n,
        f"population_bytes_per_customer_{tag}": r["population_mb"] * 2**20 / n,
    }
    if "network_s" in r:
        fig[f"network_seconds_{tag}"] = r["network_s"]
        fig[f"network_share_{tag}"] = r["network_s"] / (r["wall_s"] + r["network_s"])
    return fig


def size_tag(n: int) -> str:
    """10k for 10,000 customers, 1m for 1,000,000, 300 for 300."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# --- the idiomatic Mesa reference -------------------------------------------------------------
def idiomatic_figures(customers: int, year: int, steps: int, seed: int) -> dict[str, float]:
    """The customers' step of MarketModel against the object-per-customer Mesa reference."""
    from idiomatic_mesa import model_purchases, reference_purchases, side_by_side
    from scipy.stats import chi2_contingency

    from market_abm import CHANNELS

    # every channel in use by ``year``; the reference copies the model's state first
    model, supply, reference = side_by_side(customers, year, seed, seed + 1)
    start = time.perf_counter()
    vectorised = model_purchases(model, supply, steps)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    scalar = reference_purchases(reference, steps)
    slow_s = time.perf_counter() - start

    used = (vectorised + scalar) > 0
    p_value = chi2_contingency(np.vstack([vectorised[used], scalar[used]])).pvalue
    fig = {"idiomatic_customers": customers, "idiomatic_year": year,
           "idiomatic_steps": steps,
           "vectorised_customer_step_ms": fast_s / steps * 1e3,
           "idiomatic_customer_step_ms": slow_s / steps * 1e3,
           "ratio_vs_idiomatic_mesa": slow_s / fast_s}
    for c, name in enumerate(CHANNELS):
        fig[f"share_{name}_vectorised"] = vectorised[c] / vectorised.sum()
        fig[f"share_{name}_idiomatic"] = scalar[c] / scalar.sum()
    fig["idiomatic_purchases_vectorised"] = int(vectorised.sum())
    fig["idiomatic_purchases_idiomatic"] = int(scalar.sum())
    fig["shares_max_abs_diff"] = float(np.abs(vectorised / vectorised.sum()
                                              - scalar / scalar.sum()).max())
    fig["shares_chi2_p"] = float(p_value)
    fig["shares_match"] = bool(p_value > 0.001)
    return fig


# --- sweep throughput ------------------------------------------------------------------------
def sweep_figures(runs: int, customers: int, end_year: int) -> dict[str, float]:
    """Runs per second of one sweep on embedded Dask clusters of 1 and 2 workers."""
    from market_abm.designs import validate_design
    from market_abm.engines import DaskEngine
    from market_abm.scenario import load_scenario
    from market_abm.sweep import Sweep, run_sweep

    base = load_scenario("baseline", {"n_customers": customers, "end_year": end_year})
    sweep = Sweep(base, [{}], validate_design(base, [{}]), replicates=runs, root_seed=1)
    fig, tables = {"sweep_runs": runs, "sweep_customers": customers,
                   "sweep_years": end_year - base.start_year + 1}, []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            with DaskEngine(workers=workers) as engine:
                # start-up is not throughput: each worker imports the model before the clock
                engine.client.run(importlib.import_module, "market_abm.sweep")
                start = time.perf_counter()
                table, _ = run_sweep(Path(tmp) / f"w{workers}", sweep, engine,
                                     log=lambda _: None, progress_stream=open(os.devnull, "w"))
                fig[f"sweep_runs_per_s_{workers}_workers"] = runs / (time.perf_counter() - start)
            tables.append(table)
    fig["sweep_speedup_2_vs_1"] = fig["sweep_runs_per_s_2_workers"] / \
        fig["sweep_runs_per_s_1_workers"]
    fig["sweep_identical_results"] = bool(tables[0].equals(tables[1]))
    return fig


# --- the report -------------------------------------------------------------------------------
def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").open()
                if line.startswith("model name")), platform.processor())
    return {"machine_cpu": cpu, "machine_cores": os.cpu_count(),
            "machine_memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "python": platform.python_version(), "numpy": np.__version__,
            "load_average_start": os.getloadavg()[0]}


def show(figures: dict) -> None:
    for name, value in figures.items():
        if isinstance(value, float):
            value = f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
        print(f"{name}: {value}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="10,000 and 100,000 customers only, a smaller reference and sweep")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=None,
                   help="customer counts of the baseline runs, comma-separated "
                        "(default 10000,100000,1000000; --quick: 10000,100000)")
    p.add_argument("--skip", action="append", default=[],
                   choices=["runs", "million", "idiomatic", "sweep"],
                   help="leave out a group of figures (repeatable)")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--network", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child_run(args.child, args.seed, args.network)))
        return

    show(machine())
    sizes = args.sizes or ([10_000, 100_000] + ([] if args.quick or "million" in args.skip
                                                else [1_000_000]))
    network_at = 100_000 if 100_000 in sizes else max(sizes)
    runs = {}
    for n in ([] if "runs" in args.skip else sizes):
        runs[n] = run_child(n, args.seed, network=(n == network_at))
        show(run_figures(runs[n]))
    for n in sizes[1:]:
        if n in runs:
            a, b = runs[sizes[0]], runs[n]
            show({f"scaling_{size_tag(n)}_over_{size_tag(sizes[0])}":
                  (b["wall_s"] / n) / (a["wall_s"] / sizes[0]),
                  f"marginal_bytes_per_customer_{size_tag(sizes[0])}_{size_tag(n)}":
                  (b["peak_mb"] - a["peak_mb"]) * 2**20 / (n - sizes[0])})
    if "idiomatic" not in args.skip:
        show(idiomatic_figures(2_000 if args.quick else 10_000, 2035, 3 if args.quick else 6,
                               args.seed))
    if "sweep" not in args.skip:
        show(sweep_figures(6, 500, 2010) if args.quick else sweep_figures(20, 2000, 2050))
    show({"load_average_end": os.getloadavg()[0]})


if __name__ == "__main__":
    main()
