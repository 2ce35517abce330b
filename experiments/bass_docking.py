"""Validation: printer adoption under the bass preset against the Bass model, per social graph.

On the complete graph the agent model must follow the Bass recursion (tested in
tests/test_bass.py); on Watts-Strogatz and Barabasi-Albert graphs imitation only sees
neighbours, and this experiment shows how the curve departs from Bass.

    python -m experiments.bass_docking [--quick]

Writes results/validation/bass_networks.csv (year, network, seed, owner share, Bass
recursion) and bass_networks.png / .svg.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm import MarketModel, load_scenario  # noqa: E402
from market_abm.bass import bass_recursion  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.storage import atomic_write  # noqa: E402

NETWORKS = ("complete", "watts_strogatz", "barabasi_albert")


def run(n_customers: int, seeds: list[int]) -> pd.DataFrame:
    """Owner share per step for each network and seed, with the Bass recursion alongside."""
    rows = []
    for network in NETWORKS:
        for seed in seeds:
            s = load_scenario("bass", {"social_network": network, "n_customers": n_customers,
                                       "evaluation_sample": 100})
            model = MarketModel(s, rng=seed)
            model.run_for(s.n_steps)
            share = model.timeseries["printer_owner_share"].to_numpy()
            bass = bass_recursion(s.bass_p / s.steps_per_year, s.bass_q / s.steps_per_year,
                                  s.n_steps)
            years = s.start_year + (1 + model.timeseries["step"].to_numpy()) / s.steps_per_year
            rows.append(pd.DataFrame({"year": years, "network": network, "seed": seed,
                                      "owner_share": share, "bass": bass}))
    return pd.concat(rows, ignore_index=True)


def figure(data: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    first = data[data.network == NETWORKS[0]].groupby("year")["bass"].first()
    ax.plot(first.index, first.values, "k--", lw=2, label="Bass recursion")
    for network, part in data.groupby("network"):
        band = part.groupby("year")["owner_share"].agg(["mean", "min", "max"])
        ax.plot(band.index, band["mean"], label=network.replace("_", "-"))
        ax.fill_between(band.index, band["min"], band["max"], alpha=0.2)
    ax.set(xlabel="year", ylabel="share of households owning a printer",
           title="Printer adoption, bass preset (p = 0.03, q = 0.38 per year)")
    ax.legend()
    return fig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small size for CI")
    parser.add_argument("--out", type=Path, default=Path("results/validation"))
    args = parser.parse_args(argv)
    n, seeds = (2000, [1, 2]) if args.quick else (10_000, [1, 2, 3, 4, 5])
    data = run(n, seeds)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "bass_networks.csv", lambda t: data.to_csv(t, index=False))
    fig = figure(data)
    save_figure(fig, args.out / "bass_networks.svg")
    save_figure(figure(data), args.out / "bass_networks.png")
    gap = (data.groupby("network").apply(lambda d: (d.owner_share - d.bass).abs().max(),
                                         include_groups=False))
    for network, value in gap.items():
        print(f"max |owner share - Bass| {network}: {value:.3f}")


if __name__ == "__main__":
    main()
