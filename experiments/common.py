"""What the experiment scripts share: sizes, the sweep call, bands and figure saving.

Every experiment takes ``--quick`` (a small market, quarterly steps, few runs: CI size, under a
minute on two cores) or runs at paper size by default; ``--workers``/``--scheduler`` choose the
engine as for ``market-abm sweep``; ``--out`` defaults to ``results/<experiment>``. Runs are
stored by the resumable sweep in ``<out>/sweep*/``, so an interrupted experiment restarts
where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm.designs import validate_design  # noqa: E402
from market_abm.engines import open_engine  # noqa: E402
from market_abm.errors import MarketAbmError  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402
from market_abm.storage import atomic_write, write_parquet  # noqa: E402
from market_abm.sweep import Sweep, check_out, run_sweep  # noqa: E402

# A fifth of the baseline market with fewer firms and smaller fixed costs (a fifth for most
# roles, less for those that would not enter a market this small), stepped quarterly
# from 2000: the same story (web spreading, then printing) at about a sixth of the cost of a
# baseline run. CI size only: not for interpretation.
QUICK = dict(start_year=2000, n_customers=200, n_producers=8, n_logisticians=4,
             population_households=40_000, store_cost_scale=1.0, producer_fixed_cost=30_000.0,
             online_seller_fixed_cost=100_000.0, designer_fixed_cost=40_000.0,
             logistician_fixed_cost=50_000.0, depot_cost=20_000.0,
             platform_fixed_cost=2_000.0, hub_fixed_cost=12_000.0,
             material_supplier_fixed_cost=20_000.0, conversion_cost=16_000.0,
             marketplace_fixed_cost=100_000.0, evaluation_sample=200, steps_per_year=4)
RESULTS = Path("results")


def parser(name: str, doc: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m experiments.{name}",
                                description=doc.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI size (small market, few runs)")
    p.add_argument("--seed", type=int, default=2026, help="root seed of the experiment")
    p.add_argument("--out", type=Path, default=RESULTS / name, help="output folder")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, help="local workers (default all cores)")
    group.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a Dask scheduler")
    return p


def base_scenario(quick: bool, **overrides: Any) -> Scenario:
    return load_scenario("baseline", {**(QUICK if quick else {}), **overrides})


def sweep(args: argparse.Namespace, folder: str, base: Scenario, points: list[dict],
          replicates: int, info: dict | None = None,
          network: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run (or resume) one sweep into ``args.out / folder``; returns (runs, yearly)."""
    study = Sweep(base, points, validate_design(base, points), replicates=replicates,
                  root_seed=args.seed, info=dict(info or {}), network=network)
    out = args.out / folder
    check_out(out, study)
    with open_engine(args.workers, args.scheduler) as engine:
        return run_sweep(out, study, engine)


def bands(yearly: pd.DataFrame, columns: list[str], by: list[str]) -> pd.DataFrame:
    """Per ``by`` group: mean, 95 % interval of the runs (2.5-97.5 percentiles) and 95 %
    confidence interval of the mean (normal approximation), for each column; long format."""
    rows = []
    for keys, group in yearly.groupby(by):
        keys = keys if isinstance(keys, tuple) else (keys,)
        for column in columns:
            v = group[column].dropna().to_numpy(dtype=float)
            if len(v) == 0:
                continue
            half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else np.nan
            rows.append({**dict(zip(by, keys, strict=True)), "column": column, "n": len(v),
                         "mean": v.mean(), "run_lo": np.percentile(v, 2.5),
                         "run_hi": np.percentile(v, 97.5), "mean_lo": v.mean() - half,
                         "mean_hi": v.mean() + half})
    return pd.DataFrame(rows)


def plot_band(ax, table: pd.DataFrame, column: str, label: str, colour: str) -> None:
    """Mean line and shaded 95 % interval of the runs for one column over the years."""
    t = table[table["column"] == column].sort_values("year")
    ax.plot(t["year"], t["mean"], color=colour, label=label)
    ax.fill_between(t["year"], t["run_lo"], t["run_hi"], color=colour, alpha=0.2, lw=0)


def save(fig: plt.Figure, out: Path, name: str) -> list[Path]:
    """``name``.png and ``name``.svg in ``out``, written atomically and byte for byte the same
    for the same figure (plots.save_figure); closes the figure."""
    paths = [out / f"{name}.{fmt}" for fmt in ("png", "svg")]
    for path in paths:
        save_figure(fig, path, dpi=130, close=False)
    plt.close(fig)
    return paths


def write_table(frame: pd.DataFrame, out: Path, name: str) -> None:
    """``name``.csv (rounded for reading) and ``name``.parquet (full precision)."""
    atomic_write(out / f"{name}.csv",
                 lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))
    write_parquet(frame, out / f"{name}.parquet")


def main(run) -> None:
    """Call ``run()`` and turn market_abm's errors (bad input, a folder of another job, a full
    disk, a lost cluster) into one line and their exit status; Ctrl-C into one line too."""
    try:
        run()
    except (MarketAbmError, ScenarioError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(getattr(err, "exit_status", 2))
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        sys.exit(130)
