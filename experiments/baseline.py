"""Experiment 1: the baseline with replicates: channel shares and active firms, 95 % bands.

Paper size: the baseline scenario (1990-2050, monthly, 2,000 customers), 25 replicates.
--quick: the small quarterly market from 2000, 5 replicates.

Writes to results/baseline_replicates/: sweep/ (runs.parquet, yearly.parquet, manifest.json),
bands.csv/.parquet (per year and column: mean, 95 % interval of the runs, 95 % confidence
interval of the mean), channels.png/.svg and firms.png/.svg.

    python -m experiments.baseline --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from experiments import common
from market_abm.agents import FIRM_ROLES
from market_abm.market import CHANNELS
from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS, ROLE_LABELS

NAME = "baseline_replicates"


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    replicates = 5 if args.quick else 25
    base = common.base_scenario(args.quick)
    _, yearly = common.sweep(args, "sweep", base, [{}], replicates,
                             {"experiment": "1 baseline", "quick": args.quick})
    shares = [f"share_{c}" for c in CHANNELS]
    firms = [f"active_{role}s" for role in FIRM_ROLES]
    table = common.bands(yearly, shares + firms + ["printer_owner_share"], ["year"])
    common.write_table(table, args.out, "bands")

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for c in CHANNELS:
        common.plot_band(ax, table, f"share_{c}", c.replace("_", " "), CHANNEL_COLOURS[c])
    ax.set(xlabel="year", ylabel="share of units bought", ylim=(0, 1),
           title=f"Channel shares, mean and 95 % of {replicates} runs")
    ax.legend(fontsize=8)
    common.save(fig, args.out, "channels")

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for role in FIRM_ROLES:
        common.plot_band(ax, table, f"active_{role}s", ROLE_LABELS[role], ROLE_COLOURS[role])
    ax.set(xlabel="year", ylabel="active firms", yscale="symlog",
           title=f"Active firms by role, mean and 95 % of {replicates} runs")
    ax.legend(fontsize=8)
    common.save(fig, args.out, "firms")
    final = table[table["year"] == table["year"].max()].set_index("column")
    print(final[["mean", "run_lo", "run_hi"]].round(3).to_string())
    print(f"baseline: wrote {args.out}/bands.csv, channels.png/.svg, firms.png/.svg")


if __name__ == "__main__":
    common.main(run)
