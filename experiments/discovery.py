"""Experiment 6: scenario discovery: under which conditions does the 3D flow take over?

A Latin hypercube over the deep uncertainties of the 3D flow (``UNCERTAINTIES``: printer
capability growth and learning, material, print quality, makers, the attention a home print
takes, parcels, conformity, taste, designs, print services, printer price floor, how far
multi-material printing widens what is printable; ranges and their rationale in
docs/experiments.md), one run per point on the sweep engine; each run is
labelled with its ``regime_3d`` (market_abm.regimes: niche, coexistence or takeover of the 3D
flow, home printing plus print services), then PRIM (EMA Workbench, through
market_abm.discovery) finds the boxes of the uncertainties where each outcome of
``OUTCOMES`` is common. An outcome that holds for no run or for every run leaves PRIM
nothing to find: the experiment says so in one line and records it, it does not fail.

Paper size: baseline scenario (2,000 customers, 1990-2050 monthly), 1,000 points x 1 run.
--quick: the small quarterly market from 2000 to 2040, 40 points. --points N changes the
number of points (tests use fewer). Seeds: the design and every run from the root --seed,
so the results are the same on any number of workers; rerunning resumes the sweep.

Writes to results/discovery/: sweep/ (the runs), regimes.csv/.parquet (runs per regime and
the highest 3D share they reached), outcomes.csv/.parquet (per outcome: runs where it holds,
boxes found, or why none), boxes_<outcome>.csv/.parquet (one row per PRIM box, as
``market-abm discover``'s boxes.csv; no row when there is nothing to find),
scenario_<outcome>.toml (the base scenario at the centre of box 1), regimes.png/.svg,
trajectory_<outcome>.png/.svg and scatter_<outcome>.png/.svg.

    python -m experiments.discovery --quick
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import qmc

from experiments import common
from market_abm import discovery
from market_abm.categories import load_categories
from market_abm.designs import scale_points
from market_abm.discovery_plots import scatter_figure, trajectory_figure
from market_abm.errors import UsageError
from market_abm.palette import REGIME_COLOURS
from market_abm.patterns import printed
from market_abm.regimes import NICHE_SHARE, REGIMES, TAKEOVER_SHARE
from market_abm.scenario import scenario_to_toml
from market_abm.storage import atomic_write

NAME = "discovery"
# (parameter, low, high): the deep uncertainties, sampled uniformly; why these ranges:
# docs/experiments.md, "Experiment 6".
UNCERTAINTIES = [
    ("printer_capability_growth", 0.03, 0.30),
    ("printer_learning_rate", 0.10, 0.40),
    ("printer_price_floor", 75.0, 400.0),
    ("material_margin", 0.1, 2.0),
    ("print_quality_scale", 0.15, 0.70),
    ("pro_capability_lead_years", 2.0, 15.0),
    ("maker_share", 0.005, 0.08),
    ("home_print_effort", 1.0, 12.0),
    ("personalisation_taste", 0.0, 1.0),
    ("social_weight", 0.3, 1.4),
    ("parcel_cost", 2.5, 10.0),
    ("design_price_share", 0.05, 0.30),
    ("designs_per_owner", 0.05, 0.5),
    ("multi_material_reach", 0.0, 1.0),
]
OUTCOMES = {"takeover": 'regime_3d == "takeover"', "niche": 'regime_3d == "niche"'}
POINTS, QUICK_POINTS = 1000, 40
QUICK_END_YEAR = 2040
BOX_COLUMNS = ["box", "coverage", "density", "mass", "runs", "runs_of_interest", "restricted"]


def latin_hypercube(n: int, seed: int) -> list[dict[str, float]]:
    """``n`` points of a Latin hypercube over UNCERTAINTIES (scipy.stats.qmc), seeded."""
    sampler = qmc.LatinHypercube(d=len(UNCERTAINTIES), rng=np.random.default_rng(seed))
    lo, hi = zip(*[(low, high) for _, low, high in UNCERTAINTIES], strict=True)
    return scale_points(qmc.scale(sampler.random(n), lo, hi), UNCERTAINTIES)


def printable_ceiling(reach: float = 0.0) -> float:
    """The most the 3D flow can take (fraction of the shopping goods' items, as the
    patterns and regimes count it) at a multi-material ``reach``: the items of each shopping
    good whose design can exist (its printable share once capability reaches 1:
    ``Categories.with_multi_material``) over all their items, from categories.csv. Reach 0 is
    today's printable shares."""
    cat = load_categories()
    share = cat.with_multi_material(1.0, reach, 0.5).printable_share
    items = cat.items_per_year * (cat.shopping > 0)
    return float(items @ share / items.sum())


def highest_reach() -> float:
    """The highest multi-material reach the ensemble samples (UNCERTAINTIES)."""
    return max(high for name, _, high in UNCERTAINTIES if name == "multi_material_reach")


def peak_shares(yearly: pd.DataFrame) -> pd.Series:
    """Per run_id: the highest yearly 3D share (home printing plus print services)."""
    return printed(yearly).groupby(yearly["run_id"]).max()


def regime_table(runs: pd.DataFrame, peaks: pd.Series) -> pd.DataFrame:
    """One row per regime (all three, in order): runs, share of the runs, and the lowest and
    highest peak 3D share among them (missing for a regime no run is in)."""
    peak = runs["run_id"].map(peaks)
    rows = []
    for regime in REGIMES:
        mine = peak[runs["regime_3d"] == regime]
        rows.append({"regime": regime, "runs": len(mine), "share": len(mine) / len(runs),
                     "peak_3d_min": mine.min(), "peak_3d_max": mine.max()})
    return pd.DataFrame(rows)


def regimes_figure(yearly: pd.DataFrame, runs: pd.DataFrame, ceiling: float) -> plt.Figure:
    """The 3D share per year of the runs of each regime (median and 90 % of the runs), the
    regime thresholds and the printable ceiling."""
    share = printed(yearly).groupby([yearly["year"], yearly["run_id"]]).mean().unstack()
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    for regime in REGIMES:
        ids = runs.loc[runs["regime_3d"] == regime, "run_id"]
        if ids.empty:
            continue
        part, colour = share[ids], REGIME_COLOURS[regime]
        ax.fill_between(part.index, part.quantile(0.05, axis=1), part.quantile(0.95, axis=1),
                        color=colour, alpha=0.2, lw=0)
        ax.plot(part.index, part.median(axis=1), color=colour,
                label=f"{regime}: {len(ids)} runs (median, 90 % band)")
    for level, text in ((NICHE_SHARE, "niche below"), (TAKEOVER_SHARE, "takeover from")):
        ax.axhline(level, color="k", ls="--", lw=0.8)
        ax.annotate(f"{text} {level:.0%}", (share.index.max(), level), fontsize=8,
                    ha="right", textcoords="offset points", xytext=(-2, 3))
    ax.axhline(ceiling, color="k", ls=":", lw=0.8,
               label=f"printable items at the highest multi-material reach: {ceiling:.0%}")
    ax.set(xlabel="year", ylabel="3D flow (share of items bought)",
           ylim=(0, max(TAKEOVER_SHARE, ceiling) * 1.3))
    ax.legend(fontsize=8, loc="upper left")
    return fig


def discover(out: Path, sweep: discovery.SweepRuns, name: str, condition: str) -> dict:
    """PRIM for one outcome: boxes_<name>.csv, its figures and scenario; the outcomes row."""
    x, y = sweep.x, discovery.holds(sweep.runs, condition, sweep.parameters)
    row = {"outcome": name, "condition": condition, "runs": len(y),
           "runs_of_interest": int(y.sum()), "boxes": 0, "note": ""}
    which = discovery.nothing_to_find(y)
    boxes, trajectories = discovery.prim_boxes(x, y) if which is None else ([], [])
    if which is not None:
        row["note"] = f"holds for {which}: PRIM has nothing to find"
    elif not boxes:
        row["note"] = "PRIM found no box"
    table = discovery.boxes_table(boxes) if boxes else pd.DataFrame(columns=BOX_COLUMNS)
    common.write_table(table, out, f"boxes_{name}")
    for stale in (f"trajectory_{name}", f"scatter_{name}", f"scenario_{name}"):
        for path in out.glob(f"{stale}.*"):
            path.unlink()
    if not boxes:
        print(f"discovery: {name} ({condition}): {row['note']} ({row['runs_of_interest']} "
              f"of {row['runs']} runs)")
        return row
    row["boxes"] = len(boxes)
    title = f"{condition}: {int(y.sum())} of {len(y)} runs"
    common.save(trajectory_figure(trajectories, discovery.MIN_DENSITY, title), out,
                f"trajectory_{name}")
    dims = discovery.most_restricted(boxes[0], x)
    common.save(scatter_figure(x, y, boxes, dims, title), out, f"scatter_{name}")
    text = scenario_to_toml(discovery.box_scenario(sweep.base(), boxes[0], x, y))
    atomic_write(out / f"scenario_{name}.toml", lambda tmp: tmp.write_text(text))
    print(f"discovery: {name} ({condition}) holds for {int(y.sum())} of {len(y)} runs")
    for i, box in enumerate(boxes, start=1):
        lines = box.describe()
        print(f"  box {i}: {lines[0]}\n  " + "\n  ".join(lines[1:]))
    return row


def run() -> None:
    p = common.parser(NAME, __doc__)
    p.add_argument("--points", type=int, help=f"points of the Latin hypercube (default "
                   f"{POINTS}; quick {QUICK_POINTS})")
    args = p.parse_args()
    n = args.points if args.points is not None else (QUICK_POINTS if args.quick
                                                     else POINTS)
    if n < 2:
        raise UsageError(f"--points must be at least 2 (PRIM compares runs), got {n}")
    base = common.base_scenario(args.quick, **({"end_year": QUICK_END_YEAR}
                                               if args.quick else {}))
    info = {"experiment": "6 scenario discovery", "quick": args.quick,
            "sampling": f"latin hypercube, {n} points, seed {args.seed}",
            "uncertainties": {name: [lo, hi] for name, lo, hi in UNCERTAINTIES}}
    runs, yearly = common.sweep(args, "sweep", base, latin_hypercube(n, args.seed), 1, info)
    sweep = discovery.load_sweep(args.out / "sweep")
    ceiling = printable_ceiling(highest_reach())
    regimes = regime_table(runs, peak_shares(yearly))
    common.write_table(regimes, args.out, "regimes")
    common.save(regimes_figure(yearly, runs, ceiling), args.out, "regimes")
    print(regimes.round(4).to_string(index=False))
    print(f"discovery: at most {printable_ceiling():.1%} of items can be printed with today's "
          f"printable shares, {ceiling:.1%} at multi-material reach {highest_reach():g} "
          f"(categories.csv); takeover needs {TAKEOVER_SHARE:.0%}")
    outcomes = pd.DataFrame([discover(args.out, sweep, name, condition)
                             for name, condition in OUTCOMES.items()])
    common.write_table(outcomes, args.out, "outcomes")
    print(f"discovery: wrote {args.out}/regimes.csv, outcomes.csv, "
          + ", ".join(f"boxes_{name}.csv" for name in OUTCOMES) + " and the figures")


if __name__ == "__main__":
    common.main(run)
