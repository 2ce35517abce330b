"""Experiment 3: supply-network metrics over time, mean and 95 % bands over replicates.

Each run's yearly supply network (market_abm.network: firms and customer segments linked by the
year's flows) is measured every year: the intermediation index (mean number of intermediaries
on a unit's path to the customer), the share of units sold through each intermediary role,
each role's betweenness centrality, and the concentration (HHI) of each role.

Paper size: the baseline scenario, 25 replicates. --quick: the small quarterly market from
2000, 3 replicates.

Writes to results/network/: sweep/ (with the network_<metric> columns), bands.csv/.parquet,
network.png/.svg.

    python -m experiments.network --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from experiments import common
from market_abm.network import HHI_ROLES, INTERMEDIARY_ROLES
from market_abm.palette import ROLE_COLOURS, ROLE_LABELS

NAME = "network"
HHI_NAMES = {role: name for name, role in HHI_ROLES.items()}
PANELS = [("flow_share_{}", "share of units sold through the role", "Flow share by role"),
          ("flow_betweenness_{}", "mean share of a producer-customer flow",
           "Flow betweenness by role"),
          ("hhi_{}", "Herfindahl index", "Concentration within each role")]


def column(template: str, role: str) -> str:
    key = HHI_NAMES[role] if template.startswith("hhi") else role
    return "network_" + template.format(key)


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    replicates = 3 if args.quick else 25
    base = common.base_scenario(args.quick)
    _, yearly = common.sweep(args, "sweep", base, [{}], replicates,
                             {"experiment": "3 network", "quick": args.quick}, network=True)
    columns = ["network_intermediation_index", "network_nodes"] + [
        column(t, r) for t, _, _ in PANELS for r in INTERMEDIARY_ROLES]
    table = common.bands(yearly, columns, ["year"])
    common.write_table(table, args.out, "bands")

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    ax = axes[0, 0]
    common.plot_band(ax, table, "network_intermediation_index", "intermediation index", "k")
    ax.set(xlabel="year", ylabel="intermediaries per unit sold", title="Intermediation index")
    for ax, (template, ylabel, title) in zip(axes.flat[1:], PANELS, strict=True):
        for role in INTERMEDIARY_ROLES:
            common.plot_band(ax, table, column(template, role), ROLE_LABELS[role],
                             ROLE_COLOURS[role])
        ax.set(xlabel="year", ylabel=ylabel, title=title)
        ax.legend(fontsize=8)
    fig.suptitle(f"Supply network, mean and 95 % of {replicates} runs")
    common.save(fig, args.out, "network")
    final = table[table["year"] == table["year"].max()].set_index("column")
    print(final[["mean", "run_lo", "run_hi"]].round(3).to_string())
    print(f"network: wrote {args.out}/bands.csv, network.png/.svg")


if __name__ == "__main__":
    common.main(run)
