"""Experiment 5: static versus dynamic pricing: producer profit and prices by channel.

Two arms, ``dynamic_pricing`` false (markups fixed at producer_markup) and true (producers
move markups with capacity use), each with its own replicates (every run has its own child
seed); the comparison is between the two sets of runs.

What the runs record and this experiment shows, per year with 95 % bands of the runs:
- producer profit: ``firm_profit_producer`` ($ / year, all producers, from the firm table);
- producer markup: ``mean_markup`` (fraction of unit cost, mean over producers);
- prices by channel as customers pay them: ``customer_price_<channel>`` ($ per unit, all
  categories together, from the flow ledger; home print = design plus material).
Not recorded by the model, so not shown: a producer's own price or profit per channel (the
clearing splits each purchase among roles but firms book one profit), and prices per category
and channel (the customer price mixes categories, so it also moves with the category mix).

Paper size: baseline scenario, 20 replicates per arm (40 runs). --quick: the small quarterly
market, 4 replicates per arm.

Writes to results/pricing/: sweep/, bands.csv/.parquet, summary.csv (final-year means per arm
and their difference with a 95 % confidence interval), profit_markup.png/.svg,
prices.png/.svg.

    python -m experiments.pricing --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments import common
from market_abm.market import CHANNELS

NAME = "pricing"
ARMS = {False: ("static", "#7f7f7f"), True: ("dynamic", "#d62728")}
PRICES = [f"customer_price_{c}" for c in CHANNELS]
COLUMNS = ["firm_profit_producer", "mean_markup", *PRICES, "share_home_print", "share_online"]


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Final-year mean per arm and dynamic minus static with a 95 % CI (Welch, normal)."""
    rows = []
    for column in COLUMNS:
        f = f"final_{column}"
        a = runs.loc[~runs["dynamic_pricing"], f].dropna()
        b = runs.loc[runs["dynamic_pricing"], f].dropna()
        diff = b.mean() - a.mean()
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) if min(
            len(a), len(b)) > 1 else np.nan
        rows.append({"output": f, "static": a.mean(), "dynamic": b.mean(), "difference": diff,
                     "diff_lo": diff - 1.96 * se, "diff_hi": diff + 1.96 * se,
                     "n_static": len(a), "n_dynamic": len(b)})
    return pd.DataFrame(rows)


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    replicates = 4 if args.quick else 20
    base = common.base_scenario(args.quick)
    points = [{"dynamic_pricing": False}, {"dynamic_pricing": True}]
    runs, yearly = common.sweep(args, "sweep", base, points, replicates,
                                {"experiment": "5 pricing", "quick": args.quick})
    yearly = yearly.merge(runs[["run_id", "dynamic_pricing"]], on="run_id")
    table = common.bands(yearly, COLUMNS, ["dynamic_pricing", "year"])
    common.write_table(table, args.out, "bands")
    common.write_table(summary(runs), args.out, "summary")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for arm, (label, colour) in ARMS.items():
        t = table[table["dynamic_pricing"] == arm]
        common.plot_band(left, t, "firm_profit_producer", label, colour)
        common.plot_band(right, t, "mean_markup", label, colour)
    left.set(xlabel="year", ylabel="$ / year", title="Producer profit (all producers)")
    right.set(xlabel="year", ylabel="fraction of unit cost", title="Mean producer markup")
    left.legend(fontsize=8)
    common.save(fig, args.out, "profit_markup")

    fig, axes = plt.subplots(1, len(PRICES), figsize=(4 * len(PRICES), 3.8),
                             constrained_layout=True)
    for ax, column, channel in zip(axes, PRICES, CHANNELS, strict=True):
        for arm, (label, colour) in ARMS.items():
            common.plot_band(ax, table[table["dynamic_pricing"] == arm], column, label, colour)
        ax.set(xlabel="year", ylabel="$ per unit", title=channel.replace("_", " "))
    axes[0].legend(fontsize=8)
    fig.suptitle("Price customers pay per unit, by channel (mean and 95 % of runs)")
    common.save(fig, args.out, "prices")
    print(summary(runs).round(3).to_string(index=False))
    print(f"pricing: wrote {args.out}/summary.csv, bands.csv, profit_markup.png/.svg, "
          "prices.png/.svg")


if __name__ == "__main__":
    common.main(run)
