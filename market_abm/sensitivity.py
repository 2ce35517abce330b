"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

The split follows SALib: ``sample`` draws the parameter sets (design points), the points run
as a sweep (``market_abm.sweep``, so on any engine, resumable), and ``analyze`` computes the
indices of chosen outputs (columns of runs.parquet such as ``final_share_online``), averaged
over replicates at each point.

- Morris (elementary effects, Morris 1991; Campolongo et al. 2007): ``trajectories`` × (k + 1)
  runs for k parameters; indices mu, mu_star, sigma and mu_star_conf (95 % bootstrap).
- Sobol (Saltelli 2002/2010 estimators): ``samples`` × (k + 2) runs (first and total order);
  indices S1, S1_conf, ST, ST_conf (95 % confidence half-widths). ``samples`` is a power of 2.

Integer parameters are rounded to the nearest integer before running; the indices use the
sampled values.

Example:
    >>> p = problem([("bass_q", 0.2, 0.5), ("internet_p", 0.01, 0.05)])
    >>> sample("morris", p, 2, seed=1).shape
    (6, 2)
"""

from __future__ import annotations

import functools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from SALib.analyze import morris as morris_analyze  # noqa: E402
from SALib.analyze import sobol as sobol_analyze  # noqa: E402
from SALib.sample import morris as morris_sample  # noqa: E402
from SALib.sample import sobol as sobol_sample  # noqa: E402

from market_abm.errors import UsageError  # noqa: E402

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4
COLUMNS = {"morris": ["mu", "mu_star", "sigma", "mu_star_conf"],
           "sobol": ["S1", "S1_conf", "ST", "ST_conf"]}


def problem(ranges: list[tuple[str, float, float]]) -> dict:
    """A SALib problem from (name, lo, hi) ranges."""
    return {"num_vars": len(ranges), "names": [r[0] for r in ranges],
            "bounds": [[r[1], r[2]] for r in ranges]}


def check_size(method: str, n: int) -> None:
    """Trajectories (Morris) at least 2; Sobol samples a power of 2, at least 2."""
    if method == "morris" and n < 2:
        raise UsageError(f"--trajectories must be at least 2, got {n}")
    if method == "sobol" and (n < 2 or 2 ** int(math.log2(n)) != n):
        raise UsageError(f"--samples must be a power of 2 (Sobol sequence balance), got {n}")


def sample(method: str, prob: dict, n: int, seed: int) -> np.ndarray:
    """The parameter matrix (one row per point) of a Morris or Sobol design."""
    check_size(method, n)
    if method == "morris":
        return morris_sample.sample(prob, n, num_levels=MORRIS_LEVELS, seed=seed)
    return sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)


def analyze(method: str, prob: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """One row per parameter with the method's indices (see COLUMNS)."""
    if method == "morris":
        res = morris_analyze.analyze(prob, x, y, num_levels=MORRIS_LEVELS, seed=seed,
                                     print_to_console=False)
    else:
        res = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=seed,
                                    print_to_console=False)
    table = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in COLUMNS[method]})
    table.insert(0, "parameter", prob["names"])
    return table


@functools.cache
def output_names() -> tuple[str, ...]:
    """Outputs a sensitivity analysis can use: ``final_<column>`` of runs.parquet."""
    from market_abm.runner import simulate
    from market_abm.scenario import load_scenario
    from market_abm.sweep import yearly_table

    probe = load_scenario("baseline", {"n_customers": 100, "end_year": 1990})
    table = yearly_table(simulate(probe, 0))
    return tuple(f"final_{c}" for c in table.columns if c != "year")


def check_outputs(outputs: list[str]) -> None:
    """Each output must be a final_<column> of runs.parquet."""
    if not outputs:
        raise UsageError("give at least one --output, e.g. final_share_online")
    known = output_names()
    for name in outputs:
        if name not in known:
            raise UsageError(f"unknown --output '{name}': use final_<column> of runs.parquet, "
                             f"e.g. final_share_online, final_share_home_print")


def indices(method: str, prob: dict, x: np.ndarray, runs: pd.DataFrame, outputs: list[str],
            seed: int) -> pd.DataFrame:
    """Indices of every output; each point's output is its mean over replicates."""
    tables = []
    for output in outputs:
        y = runs.groupby("point")[output].mean().sort_index().to_numpy(dtype=float)
        if len(y) != len(x):
            raise UsageError(f"{output}: {len(y)} point results for {len(x)} sampled points")
        if not np.isfinite(y).all():
            bad = int((~np.isfinite(y)).sum())
            raise UsageError(f"{output} is undefined (NaN) at {bad} points: choose another "
                             "--output")
        table = analyze(method, prob, x, y, seed)
        table.insert(0, "output", output)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def figure(table: pd.DataFrame, method: str) -> plt.Figure:
    """Morris: mu_star with its 95 % interval; Sobol: S1 and ST with their intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    n_par = table["parameter"].nunique()
    fig, axes = plt.subplots(1, len(outputs), figsize=(5.5 * len(outputs), 1.2 + 0.35 * n_par),
                             squeeze=False, constrained_layout=True)
    for ax, output in zip(axes[0], outputs, strict=True):
        t = table[table["output"] == output]
        if method == "morris":
            t = t.sort_values("mu_star")
            pos = np.arange(len(t))
            ax.barh(pos, t["mu_star"], xerr=t["mu_star_conf"], color="#1f77b4", label="mu*")
            ax.plot(t["sigma"], pos, "o", color="#d62728", label="sigma")
            ax.set(xlabel="elementary effect (output units)")
        else:
            t = t.sort_values("ST")
            pos = np.arange(len(t))
            ax.barh(pos - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1", color="#1f77b4")
            ax.barh(pos + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST", color="#ff7f0e")
            ax.set(xlabel="share of output variance")
        ax.set_yticks(pos, t["parameter"])
        ax.set_title(output, fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(f"{method.capitalize()} sensitivity indices")
    return fig
