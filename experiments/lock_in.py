"""Validation: where the calibrated channel inertia stands against the lock-in threshold.

In the mean-field binary logit with habit weight h (own past use) and social weight s
(neighbours' use), the utility of online over retail is D + (h + s)(2P - 1): when
J = h + s > 2 a second, low equilibrium exists (Brock & Durlauf 2001), and a population that
starts in the shop stays there while one that starts online stays online. This experiment
runs the model itself from both starting habits, on the complete graph, with every household
connected and every producer selling online from the start, printing switched off (a frozen
frontier), for 60 years from 2010, at several values of J (h : s kept at the baseline's
ratio). Where J is below the threshold the two starts meet; above it they stay apart. With a
habit memory of 5 years the meeting is slower the closer J is to 2 (critical slowing down),
hence 60 years.

    python -m experiments.lock_in [--quick]

Writes results/lock_in/lock_in.csv (J, start, seed, final online share: the mean of the last
two years' share of items bought online; years run and customers) and lock_in.png / .svg.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm import MarketModel, load_scenario  # noqa: E402
from market_abm.agents import Producer  # noqa: E402
from market_abm.market import ONLINE, RETAIL  # noqa: E402
from market_abm.palette import CHANNEL_COLOURS  # noqa: E402
from market_abm.plots import save_figure  # noqa: E402
from market_abm.storage import atomic_write  # noqa: E402

THRESHOLD = 2.0  # mean-field lock-in threshold of h + s
VERSION_1 = 3.0  # habit 1.5 + social 1.5 in version 1
LEVELS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)
STARTS = {"retail": RETAIL, "online": ONLINE}


def final_share(J: float, start: str, seed: int, n_customers: int, years: int) -> float:
    """Online share of items in the last two years of a run started with every household's
    habit on ``start``, at conformity J = h + s (h : s as in the baseline)."""
    base = load_scenario("baseline")
    ratio = base.habit_weight / (base.habit_weight + base.social_weight)
    s = load_scenario("baseline", {
        "start_year": 2010, "end_year": 2010 + years - 1, "n_customers": n_customers,
        "social_network": "complete", "internet_start_year": 2010,
        "printer_capability_growth": 0.0, "habit_weight": J * ratio,
        "social_weight": J * (1 - ratio), "evaluation_sample": 200})
    model = MarketModel(s, rng=seed)
    pop = model.customers
    pop.internet[:] = True
    pop.usage[:] = 0.0
    pop.usage[:, STARTS[start]] = 1.0
    for producer in model.agents_by_type[Producer]:
        producer.sells_online = True
    model.social_use = pop.usage.copy()
    model.run_for(s.n_steps)
    ts = model.timeseries
    return float(ts.loc[ts["year"] > ts["year"].max() - 2, "share_online"].mean())


def run(n_customers: int, seeds: list[int], years: int) -> pd.DataFrame:
    rows = [{"J": J, "start": start, "seed": seed,
             "final_online_share": final_share(J, start, seed, n_customers, years),
             "years": years, "n_customers": n_customers}
            for J in LEVELS for start in STARTS for seed in seeds]
    return pd.DataFrame(rows)


def figure(data: pd.DataFrame, calibrated: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    for start in STARTS:
        colour = CHANNEL_COLOURS[start]
        part = data[data["start"] == start].groupby("J")["final_online_share"]
        ax.plot(part.mean().index, part.mean(), "o-", color=colour,
                label=f"every household starts on {start}")
        ax.fill_between(part.min().index, part.min(), part.max(), color=colour, alpha=0.2,
                        lw=0)
    for x, label, style in ((THRESHOLD, "mean-field threshold 2", ":"),
                            (calibrated, f"calibrated h + s = {calibrated:g}", "-"),
                            (VERSION_1, "version 1: 3.0", "--")):
        ax.axvline(x, color="0.3", ls=style, lw=1)
        ax.text(x, 1.01, label, rotation=90, va="bottom", ha="center", fontsize=7,
                transform=ax.get_xaxis_transform())
    years = int(data["years"].iloc[0])
    ax.set(xlabel="conformity J = habit_weight + social_weight",
           ylabel=f"online share of items after {years} years", ylim=(0, 1))
    ax.legend(fontsize=8, loc="center left")
    return fig


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m experiments.lock_in",
                                description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI size (300 customers, 8 years)")
    p.add_argument("--out", type=Path, default=Path("results") / "lock_in")
    args = p.parse_args(argv)
    n, seeds, years = (300, [1], 8) if args.quick else (1000, [1, 2], 60)
    data = run(n, seeds, years)
    base = load_scenario("baseline")
    calibrated = round(base.habit_weight + base.social_weight, 3)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "lock_in.csv",
                 lambda tmp: data.to_csv(tmp, index=False, float_format="%.6g"))
    for fmt in ("png", "svg"):
        save_figure(figure(data, calibrated), args.out / f"lock_in.{fmt}")
    gap = data.pivot_table(index="J", columns="start", values="final_online_share")
    gap["gap"] = gap["online"] - gap["retail"]
    print(gap.round(3).to_string())
    at = np.interp(calibrated, gap.index, gap["gap"])
    print(f"lock_in: wrote {args.out}/lock_in.csv, lock_in.png/.svg "
          f"(calibrated J = {calibrated}; gap between the starts there {at:.3f})")


if __name__ == "__main__":
    main()
