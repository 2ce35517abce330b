"""Experiment 2: printer capability growth × taste for personalisation.

Heatmaps over the grid of ``printer_capability_growth`` and ``personalisation_taste`` of the
home-print share in 2050 (mean over replicates) and of the tipping year: the first year the
home-print share reaches ``--tipping-share`` (default 5 %), median over the replicates that
tip; cells where fewer than half of the replicates tip by 2050 are marked "never".

Paper size: baseline scenario, growth 0.03-0.21 (7 levels) × taste 0-1 (6 levels) × 5
replicates = 210 runs. --quick: small quarterly market, 3 × 3 levels × 1 replicate.

Writes to results/capability_taste/: sweep/, grid.csv/.parquet (one row per cell),
home_print_2050.png/.svg, tipping_year.png/.svg.

    python -m experiments.capability_taste --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments import common

NAME = "capability_taste"
GROWTH, TASTE = "printer_capability_growth", "personalisation_taste"


def tipping_years(yearly: pd.DataFrame, threshold: float) -> pd.Series:
    """Per run_id: first year with share_home_print >= threshold (NaN if never)."""
    hit = yearly[yearly["share_home_print"] >= threshold]
    first = hit.groupby("run_id")["year"].min()
    return first.reindex(sorted(yearly["run_id"].unique())).astype(float)


def heatmap(grid: pd.DataFrame, column: str, title: str, fmt: str, cmap: str) -> plt.Figure:
    table = grid.pivot(index=TASTE, columns=GROWTH, values=column).sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * table.shape[1], 1.2 + 0.6 * table.shape[0]),
                           constrained_layout=True)
    im = ax.imshow(table.to_numpy(dtype=float), cmap=cmap, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    ax.set(xlabel="printer capability growth (1/year)",
           ylabel="personalisation taste (fraction of price)", title=title)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        ax.text(j, i, "never" if np.isnan(v) else format(v, fmt), ha="center", va="center",
                fontsize=7)
    fig.colorbar(im, ax=ax)
    return fig


def run() -> None:
    p = common.parser(NAME, __doc__)
    p.add_argument("--tipping-share", type=float, default=0.05,
                   help="home-print share that defines the tipping year")
    args = p.parse_args()
    if args.quick:
        growth, taste, replicates = [0.05, 0.12, 0.2], [0.0, 0.25, 0.75], 1
    else:
        growth = [0.03, 0.06, 0.09, 0.12, 0.15, 0.18, 0.21]
        taste = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        replicates = 5
    base = common.base_scenario(args.quick)
    points = [{GROWTH: g, TASTE: t} for g in growth for t in taste]
    runs, yearly = common.sweep(args, "sweep", base, points, replicates,
                                {"experiment": "2 capability x taste", "quick": args.quick})
    runs = runs.assign(tipping_year=tipping_years(yearly, args.tipping_share)
                       .reindex(runs["run_id"]).to_numpy())

    def cell(g: pd.DataFrame) -> pd.Series:
        tipped = g["tipping_year"].dropna()
        return pd.Series({
            "runs": len(g),
            "home_print_2050": g["final_share_home_print"].mean(),
            "home_print_2050_sd": g["final_share_home_print"].std(ddof=1),
            "tipped_fraction": len(tipped) / len(g),
            "tipping_year": tipped.median() if len(tipped) * 2 >= len(g) else np.nan})

    grid = runs.groupby([GROWTH, TASTE]).apply(cell, include_groups=False).reset_index()
    common.write_table(grid, args.out, "grid")
    end = int(base.end_year)
    common.save(heatmap(grid, "home_print_2050", f"Home-print share in {end}", ".2f",
                        "viridis"), args.out, "home_print_2050")
    common.save(heatmap(grid, "tipping_year",
                        f"Year home printing reaches {args.tipping_share:.0%}", ".0f",
                        "magma_r"), args.out, "tipping_year")
    print(grid.round(3).to_string(index=False))
    print(f"capability_taste: wrote {args.out}/grid.csv, home_print_2050.png/.svg, "
          "tipping_year.png/.svg")


if __name__ == "__main__":
    common.main(run)
