"""Validation: the baseline against every observed series of 1990-2024 (market_abm.history).

Runs the baseline with replicates and sets each model output against the series it
corresponds to: the e-commerce share of retail (Census), households with internet (Census
CPS; adults online, Pew, for reference), store counts by type (Census CBP, as an index of
1997 and as the change 2001-2017 of BLS QCEW), the online share by kind of goods in
2011-2012, parcels in level (Pitney Bowes, billions a year: the region's parcels per
household times US households), smartphone owners (Pew adults; a driver, fitted), world
desktop printer sales and entry prices, and the years the first platform and print service
appeared. Measures that are not the same quantity are compared as indices or ratios, as said
per series.

Paper size: the baseline (monthly, 2,000 customers) from 1990 to 2024, 10 replicates.
--quick: 300 customers, quarterly steps, 2 replicates (CI size: not for interpretation).

Writes to results/history/: sweep/, history_fit.csv/.parquet (series, year, observed, model
mean, 2.5 and 97.5 % of the runs, unit), history.png/.svg (one panel per series).

    python -m experiments.history --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from experiments import common
from market_abm import history, observables
from market_abm.observables import KINDS

NAME = "history"
# Store types of the QCEW change 2001-2017 and the model's store type they correspond to.
QCEW = {"clothing": "clothing_accessories", "sporting_goods_musical_instruments":
        "sporting_hobby", "building_material_garden": "hardware",
        "electronics_appliances": "electronics_appliances", "furniture": "furniture_home",
        "home_furnishings": "furniture_home"}


def band(yearly: pd.DataFrame, column: str | pd.Series) -> pd.DataFrame:
    """Per year: mean and 2.5 / 97.5 % of the runs of a column of ``yearly``, or of a series
    indexed by (run_id, year)."""
    values = yearly.set_index(["run_id", "year"])[column] if isinstance(column, str) else column
    g = values.groupby(level="year")
    return pd.DataFrame({"model": g.mean(), "lo": g.quantile(0.025), "hi": g.quantile(0.975)})


def rows(series: str, unit: str, observed: pd.Series, model: pd.DataFrame) -> pd.DataFrame:
    """The table rows of one series: observed values and the model's band, by year."""
    years = sorted(set(observed.index) | set(model.index))
    frame = model.reindex(years)
    frame.insert(0, "observed", observed.reindex(years))
    frame = frame.reset_index(names="year")
    frame.insert(0, "series", series)
    frame["unit"] = unit
    return frame


def index_of(values: pd.Series, base_year: int) -> pd.Series:
    return values / values.loc[base_year]


def compare(yearly: pd.DataFrame, scenario) -> pd.DataFrame:
    """Every series against the model (yearly: one row per run and year of runs of
    ``scenario``)."""
    parts = [rows("e-commerce share of retail sales", "fraction",
                  pd.concat([history.ecommerce_share(), history.ecommerce_share_2024()]),
                  band(yearly, "spend_share_online")),
             rows("households with internet", "fraction", history.internet_households(),
                  band(yearly, "internet_share")),
             rows("adults using the internet (Pew; model: households)", "fraction",
                  history.internet_adults(), band(yearly, "internet_share"))]
    stores = history.store_establishments()
    per_run = yearly.set_index(["run_id", "year"])
    for kind, types in (("bookstores", ["bookstores"]), ("music_stores", ["music_stores"]),
                        ("sporting_hobby_book_music",
                         ["bookstores", "music_stores", "sporting_hobby"])):
        obs = stores[stores["store_type"] == kind].set_index("year")["value"]
        base = int(obs.index.min()) if kind == "bookstores" else 1997
        count = per_run[[f"active_stores_{t}" for t in types]].sum(axis=1)
        model = count / count.xs(base, level="year").reindex(count.index, level="run_id")
        parts.append(rows(f"{kind.replace('_', ' ')} (index {base} = 1)", "index",
                          index_of(obs, base), band(yearly, model)))
    change = history.establishment_change()
    for kind, store_type in QCEW.items():
        count = per_run[f"active_stores_{store_type}"]
        ratio = (count.xs(2017, level="year") / count.xs(2001, level="year") - 1.0)
        parts.append(pd.DataFrame([{
            "series": f"store change 2001-2017: {kind.replace('_', ' ')}", "year": 2017,
            "observed": change[kind], "model": ratio.mean(), "lo": ratio.quantile(0.025),
            "hi": ratio.quantile(0.975), "unit": "fraction"}]))
    kinds = history.online_share_by_kind()
    for kind in KINDS:  # categories weighted by their reference spending
        share = observables.column(per_run, f"spend_share_online_kind_{kind}", scenario)
        obs = kinds[kinds["kind"] == kind].set_index("year")["value"]
        parts.append(rows(f"online share of {kind.replace('_', ' ')}", "fraction", obs,
                          band(yearly, share).loc[2011:2012]))
    # parcels in level: the region's parcels per household times US households
    parts.append(rows("parcels (billions a year)", "bn parcels / year", history.parcels(),
                      band(yearly, observables.column(per_run, "us_parcels_bn", scenario))))
    parts.append(rows("adults owning a smartphone (a driver, fitted)", "fraction",
                      history.smartphone_adults(), band(yearly, "smartphone_share")))
    printers = history.desktop_printers()
    sold = printers[printers["measure"].str.contains("printers")].set_index("year")["value"]
    # world sales of a year: the growth of the world's cumulative printers (expected sales of
    # the sampled households at world scale; the region's own sales are a few agents a year)
    world = observables.column(per_run, "world_printers_sold", scenario)
    parts.append(rows("world desktop printers sold", "printers / year", sold,
                      band(yearly, world.dropna())))
    price = printers[printers["measure"] == "entry_printer_price_usd"].groupby("year")["value"]
    parts.append(rows("entry printer price (data: range of models)", "$",
                      price.mean(), band(yearly, "printer_price")))
    first = {"first 3D platform": "active_platforms", "first print service": "active_print_hubs"}
    milestones = history.milestones()
    for label, column in first.items():
        key = "Thingiverse" if "platform" in label else "Shapeways"
        observed = milestones[milestones["event"].str.contains(key)]["year"].min()
        years = yearly[yearly[column] > 0].groupby("run_id")["year"].min()
        parts.append(pd.DataFrame([{"series": label, "year": observed, "observed": observed,
                                    "model": years.mean(), "lo": years.quantile(0.025),
                                    "hi": years.quantile(0.975), "unit": "year"}]))
    return pd.concat(parts, ignore_index=True)


# Panels on a log scale, from 2005: world printer sales grow a thousandfold, so a linear axis
# hides the observed 2011-2015 points under the model's later millions.
LOG_SCALE = ("world desktop printers sold",)


def figure(table: pd.DataFrame) -> plt.Figure:
    panels = [s for s in table["series"].unique() if table[table.series == s]["year"].nunique()
              > 1]
    points = [s for s in table["series"].unique() if s not in panels]
    # one-year comparisons in two panels of their own scale: changes (fractions) and years
    groups = [(g, title) for g, title in (
        ([s for s in points if table.loc[table.series == s, "unit"].iloc[0] != "year"],
         "changes 2001-2017 (observed red)"),
        ([s for s in points if table.loc[table.series == s, "unit"].iloc[0] == "year"],
         "first years (observed red)")) if g]
    cols = 4
    n = len(panels) + len(groups)
    fig, axes = plt.subplots((n + cols - 1) // cols, cols,
                             figsize=(16, 3.2 * ((n + cols - 1) // cols)),
                             constrained_layout=True)
    axes = list(np.ravel(axes))
    for ax, name in zip(axes, panels, strict=False):
        part = table[table["series"] == name].sort_values("year")
        ax.fill_between(part["year"], part["lo"], part["hi"], color="#4c72b0", alpha=0.25, lw=0)
        ax.plot(part["year"], part["model"], color="#4c72b0", label="model (mean, 95 % of runs)")
        obs = part.dropna(subset=["observed"])
        ax.plot(obs["year"], obs["observed"], "o", color="#c44e52", ms=4, label="observed")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(1990, 2026)
        if name in LOG_SCALE:  # growth over orders of magnitude: the early data stay visible
            ax.set_yscale("log")
            ax.set_xlim(2005, 2026)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, (names, title) in zip(axes[len(panels):], groups, strict=False):
        part = table[table["series"].isin(names)].reset_index(drop=True)
        y = np.arange(len(part))
        ax.errorbar(part["model"], y, xerr=[part["model"] - part["lo"],
                                            part["hi"] - part["model"]],
                    fmt="o", color="#4c72b0", ms=4)
        ax.plot(part["observed"], y, "o", color="#c44e52", ms=4)
        ax.set_yticks(y, [s.replace("store change 2001-2017: ", "") for s in part["series"]],
                      fontsize=6)
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for rest in axes[n:]:
        rest.set_visible(False)
    axes[0].legend(fontsize=7)
    return fig


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    replicates = 2 if args.quick else 10
    size = {"n_customers": 300, "steps_per_year": 4, "end_year": 2024} if args.quick else \
        {"end_year": 2024}
    base = common.base_scenario(False, **size)
    _, yearly = common.sweep(args, "sweep", base, [{}], replicates,
                             {"experiment": "history", "quick": args.quick})
    table = compare(yearly, base)
    common.write_table(table, args.out, "history_fit")
    common.save(figure(table), args.out, "history")
    print(table.dropna(subset=["observed"]).round(4).to_string(index=False))


if __name__ == "__main__":
    common.main(run)
