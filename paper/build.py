"""Build the paper: numbers, figures and tables from results/, then paper.pdf with Typst.

No number the paper quotes about model behaviour is typed by hand: this script reads the
result folders, writes ``values.json`` (every quoted number, already formatted), the figures
and the tables into the generated folder, and compiles ``paper.typ`` with the ``typst``
wheel (offline). A part whose results folder is missing is not an error: the PDF says which
command produces it.

    python -m paper.build [--results results] [--out paper/paper.pdf] [--generated DIR]

Parts and the result folders they read (``PARTS``): the baseline run (``results/baseline``,
``market-abm run``), its supply network, the comparison of its online share with the US
Census series (``market_abm/data/history``), the Bass docking
(``results/validation/bass_networks.csv``), the measured rejection of version 1's lock-in
(``results/validation/alternatives.csv`` and ``results/lock_in/lock_in.csv``); and one part
per experiment of ``experiments/`` (``EXPERIMENTS``) that includes that experiment's figures
and quotes its tables (replicates, capability x taste, network, pricing, screening, pattern
validation with alternatives and calibration, history matching, lock-in). Roles, labels and
colours come from ``market_abm.agents.FIRM_ROLES`` and ``market_abm.palette``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm import history, patterns  # noqa: E402
from market_abm.agents import FIRM_ROLES  # noqa: E402
from market_abm.calibration import DEFAULT_PARAMS  # noqa: E402
from market_abm.categories import load_categories  # noqa: E402
from market_abm.indicators import yearly as yearly_means  # noqa: E402
from market_abm.market import CHANNELS  # noqa: E402
from market_abm.network import INTERMEDIARY_ROLES  # noqa: E402
from market_abm.palette import CHANNEL_COLOURS, ROLE_COLOURS, ROLE_LABELS  # noqa: E402
from market_abm.scenario import Scenario, parameter_docs  # noqa: E402

PAPER_DIR = Path(__file__).resolve().parent
REPO = PAPER_DIR.parent
# US e-commerce share of retail sales, Q4 (US Census Bureau, FRED ECOMPCTSA); shared with the
# calibration experiment.
ECOMMERCE_CSV = history.path("us_ecommerce_share_1999_2009.csv")

# ODD elements of the 2020 update (Grimm et al. 2020), in order: level-2 headings of paper.typ.
ODD_ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)

# Every Scenario parameter in exactly one group; the groups follow the submodels of the ODD
# and name the modules that use the parameter. tests/test_paper.py fails when a parameter of
# Scenario is missing here (or listed here and gone from Scenario).
PARAMETER_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Time, scale and population", "scenario.py, model.py, indicators.py", (
        "start_year", "end_year", "steps_per_year", "n_customers", "population_households",
        "spending_growth", "decisions_per_category", "n_producers", "n_logisticians",
        "region_size_km", "segment_grid")),
    ("Social network", "social.py", (
        "social_network", "social_degree", "social_rewiring")),
    ("Technology and the world printer market", "technology.py, model.py", (
        "printer_capability_start", "printer_capability_growth", "capability_freeze_year",
        "pro_capability_lead_years", "multi_material_reach", "multi_material_threshold",
        "print_quality_scale", "print_failure_scale",
        "printer_price_start", "printer_price_floor", "printer_learning_rate",
        "printer_price_model", "world_printers_start", "world_households")),
    ("Households: internet access and printers", "agents/customers.py", (
        "internet_start_year", "internet_p", "internet_q", "internet_reluctance",
        "smartphone_start_year", "smartphone_p", "smartphone_q", "smartphone_reluctance",
        "printer_lifetime", "adoption_model", "maker_share", "maker_enjoyment", "maker_hassle",
        "adoption_steepness", "bass_p", "bass_q")),
    ("Channel choice", "market.py, offer.py, agents/customers.py", (
        "price_sensitivity", "sensitivity_spread", "time_value", "travel_cost_per_km",
        "trip_time_cost", "purchases_per_trip", "online_order_effort", "mobile_order_saving",
        "uniform_category_fit", "variety_value", "inspection_value",
        "inspection_learning", "inspection_experience", "personalisation_taste",
        "habit_weight", "habit_memory", "social_weight", "home_print_effort",
        "print_hassle_spread", "print_service_delay_days")),
    ("Producers and web shops", "agents/producers.py, offer.py, clearing.py", (
        "producer_markup", "dynamic_pricing", "price_adjustment", "target_utilisation",
        "on_demand_premium", "on_demand_spread", "inventory_cover_months", "holding_cost",
        "producer_fixed_cost", "online_seller_fixed_cost", "designer_fixed_cost",
        "web_shop_cost", "online_margin", "online_handling", "design_catalogue_cost",
        "design_price_share")),
    ("Carriers", "agents/logisticians.py, offer.py, clearing.py", (
        "bulk_cost", "parcel_cost", "parcel_bulk_cost", "parcel_scale_elasticity",
        "parcel_reference_volume", "parcel_cost_cap", "logistics_margin",
        "logistician_fixed_cost", "online_delay_days", "delivery_speedup", "depot_capacity",
        "depot_cost", "online_return_rate")),
    ("Marketplaces", "agents/marketplaces.py, offer.py, clearing.py", (
        "marketplace_commission", "marketplace_fixed_cost", "seller_fixed_cost",
        "seller_listing_reach", "marketplace_seed_sellers", "marketplace_split_shipments",
        "marketplace_network_effect", "membership_fee")),
    ("Stores, firm finance and entry", "agents/retailers.py, agents/base.py, evaluation.py", (
        "store_cost_scale", "fixed_cost_spread", "cash_reserve_years", "entry_candidates",
        "max_entries_per_year", "conversion_cost", "evaluation_sample")),
    ("Platforms, print hubs and material suppliers",
     "agents/platforms.py, agents/print_hubs.py, agents/material_suppliers.py, offer.py", (
         "platform_commission", "platform_fixed_cost", "network_effect", "designs_per_owner",
         "platform_seed_catalogue", "design_catalogue_scale", "hub_fixed_cost", "hub_margin",
         "machine_cost_per_hour", "pro_speedup", "material_margin", "material_spool_price",
         "material_supplier_fixed_cost")),
)

# Labels of the channels in the paper's figures; colours, role labels and the list of roles
# come from the package (market_abm.palette, market_abm.agents.FIRM_ROLES): one palette.
CHANNEL_LABELS = {"retail": "retail store", "online": "online, home delivery",
                  "home_print": "home printing", "print_service": "print service"}

plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "svg.fonttype": "path", "svg.hashsalt": "market_abm"})


# --- formatting -------------------------------------------------------------------------------
def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage string with a no-break space: 0.0312 -> '3.1\u00a0%'."""
    return f"{100 * x:.{digits}f}\u00a0%"


def num(x: float, digits: int = 0) -> str:
    """A number with thousands separators: 12345.6 -> '12,346'."""
    return f"{x:,.{digits}f}"


def points(x: float) -> str:
    """A difference of shares in percentage points: -0.07 -> '-7.0 percentage points'."""
    return f"{100 * x:.1f} percentage points"


def count(n: float, noun: str) -> str:
    """'1 platform', '3 platforms'."""
    n = int(round(n))
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def money(x: float, cents: bool = False) -> str:
    """Dollars: 2500.0 -> '$2,500', -3.5 -> '-$4' (or '-$3.50' with cents)."""
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.{2 if cents else 0}f}"


# --- parts ------------------------------------------------------------------------------------
@dataclass
class Part:
    """One section's material: quoted values, figures and tables, or a note saying why not."""

    available: bool
    source: str
    note: str = ""
    command: str = ""  # what produces the missing results (shown as code in the PDF)
    values: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)  # id -> {"file", "caption"}
    tables: dict = field(default_factory=dict)   # id -> {"columns", "rows", "caption"}

    def as_json(self) -> dict:
        return {"available": self.available, "source": self.source, "note": self.note,
                "command": self.command, "values": self.values, "figures": self.figures,
                "tables": self.tables}


def missing(source: str, command: str) -> Part:
    """A part whose results are not there: the PDF shows this note instead of the content."""
    return Part(False, source, f"{source} is not in this build's results.", command)


class Figures:
    """Saves figures into the generated folder and records their captions."""

    def __init__(self, gen: Path, part: Part):
        self.gen, self.part = gen, part

    def add(self, fig_id: str, fig: plt.Figure, caption: str) -> None:
        name = f"{fig_id}.svg"
        fig.savefig(self.gen / name, format="svg", metadata={"Date": None})
        plt.close(fig)
        self.part.figures[fig_id] = {"file": name, "caption": caption}


def yearly(ts: pd.DataFrame) -> pd.DataFrame:
    """Yearly means of a step table with the yearly review's events summed per year
    (market_abm.indicators.yearly), plus the printed share (home printing and print
    services)."""
    y = yearly_means(ts)
    y["share_printed"] = y["share_home_print"] + y["share_print_service"]
    return y


class Years:
    """Values of a yearly table at given years, with a readable fallback outside the run."""

    def __init__(self, y: pd.DataFrame):
        self.y = y
        self.last = int(y.index.max())
        self.first = int(y.index.min())

    def at(self, year: int, column: str, fmt: Callable[[float], str] = pct) -> str:
        if year not in self.y.index or column not in self.y.columns:
            return f"n/a (the run covers {self.first}-{self.last})"
        return fmt(float(self.y.loc[year, column]))

    def first_year(self, column: str, threshold: float) -> str:
        """'in YEAR' for the first year ``column`` reaches ``threshold``, else a phrase."""
        hit = self.y.index[self.y[column] >= threshold]
        return f"in {int(hit[0])}" if len(hit) else f"at no time up to {self.last}"

    def change(self, column: str, start: int, end: int) -> str:
        """'-54 %' for the relative change of ``column`` from ``start`` to ``end``."""
        if not {start, end} <= set(self.y.index):
            return f"n/a (the run covers {self.first}-{self.last})"
        a, b = float(self.y.loc[start, column]), float(self.y.loc[end, column])
        if a <= 0:
            return "n/a (none at the start)"
        return signed_pct(b / a - 1.0)


def signed_pct(x: float, digits: int = 0) -> str:
    """A change as a signed percentage: -0.54 -> '-54 %', 0.12 -> '+12 %'."""
    return f"{'+' if x >= 0 else '\u2212'}{abs(100 * x):.{digits}f}\u00a0%"


def years_after(y: pd.DataFrame, column: str, threshold: float, start: int) -> str:
    """'N years after START' for the first year ``column`` reaches ``threshold``."""
    hit = y.index[(y[column] >= threshold) & (y.index >= start)]
    if not len(hit):
        return f"not within the run (which ends in {int(y.index.max())})"
    return f"{int(hit[0]) - start} years after internet access starts spreading ({start})"


def label(name: str) -> str:
    """A column suffix as words: 'music_video' -> 'music video'."""
    return name.replace("_", " ")


def baseline_part(results: Path, gen: Path) -> Part:
    folder = results / "baseline"
    if not (folder / "timeseries.parquet").is_file():
        return missing("results/baseline",
                       "market-abm run --scenario baseline --seed 1 --out results/baseline")
    ts = pd.read_parquet(folder / "timeseries.parquet")
    man = json.loads((folder / "manifest.json").read_text()) if (
        folder / "manifest.json").is_file() else {}
    sc = man.get("scenario", {})
    y = yearly(ts)
    yr = Years(y)
    part = Part(True, "results/baseline")
    net_start = int(sc.get("internet_start_year", Scenario().internet_start_year))
    pre = y[y.index < net_start]
    cats = load_categories()
    two = lambda x: f"{x:.2f}"  # noqa: E731
    days = lambda x: f"{x:.1f}"  # noqa: E731
    total = lambda col: num(y[col].sum()) if col in y.columns else "0"  # noqa: E731
    v = {
        "seed": str(man.get("seed", "unknown")),
        "n_customers": num(sc.get("n_customers", float("nan"))),
        "first_year": str(yr.first), "last_year": str(yr.last),
        "git_commit": str(man.get("git_commit", "unknown"))[:12],
        "retail_min_before_internet": pct(pre["share_retail"].min()) if len(pre) else
        "n/a (no year before internet access)",
        "internet_2000": yr.at(2000, "internet_share"),
        "internet_2010": yr.at(2010, "internet_share"),
        "internet_2020": yr.at(2020, "internet_share"),
        "online_5pct_after": years_after(y, "spend_share_online", 0.05, net_start),
        "online_1pct_when": yr.first_year("spend_share_online", 0.01),
        "online_5pct_when": yr.first_year("spend_share_online", 0.05),
        "online_units_2050": yr.at(2050, "share_online"),
    }
    for year in (2000, 2009, 2019, 2030, 2050):
        v[f"online_{year}"] = yr.at(year, "spend_share_online")
        v[f"online_units_{year}"] = yr.at(year, "share_online")
    # online spend share by category in 2012 (pattern 2), ranked
    online_cols = {c: f"spend_share_online_{c}" for c in cats.names}
    if 2012 in y.index:
        ranked = sorted(cats.names, key=lambda c: -float(y.loc[2012, online_cols[c]]))
        v["online_2012_ranked"] = ", ".join(f"{label(c)} {pct(y.loc[2012, online_cols[c]])}"
                                            for c in ranked)
    else:
        v["online_2012_ranked"] = f"n/a (the run covers {yr.first}-{yr.last})"
    for c in ("books", "music_video", "furniture", "clothing", "spare_parts"):
        v[f"online_2012_{c}"] = yr.at(2012, online_cols[c])
    for c in ("books", "clothing", "furniture"):
        v[f"variety_2012_{c}"] = yr.at(2012, f"online_variety_{c}")
    # stores by type (pattern 3) and in all
    for t in cats.stores.names:
        v[f"stores_{t}_1995"] = yr.at(1995, f"active_stores_{t}", num)
        v[f"stores_{t}_2019"] = yr.at(2019, f"active_stores_{t}", num)
        v[f"stores_{t}_change"] = yr.change(f"active_stores_{t}", 1995, 2019)
    v.update({
        "retailers_start": num(y["active_retailers"].iloc[0]),
        "retailers_before_internet": yr.at(net_start - 1, "active_retailers", num),
        "retailers_2000": yr.at(2000, "active_retailers", num),
        "retailers_2050": yr.at(2050, "active_retailers", num),
        "retailers_change": yr.change("active_retailers", 2000, 2050),
        # printing
        "printed_2015": yr.at(2015, "share_printed"),
        "printed_2030": yr.at(2030, "share_printed"),
        "printed_2050": yr.at(2050, "share_printed"),
        "home_print_2050": yr.at(2050, "share_home_print"),
        "print_service_max": pct(y["share_print_service"].max()),
        "printed_1pct_when": yr.first_year("share_printed", 0.01),
        "printed_10pct_when": yr.first_year("share_printed", 0.10),
        "retail_2050": yr.at(2050, "share_retail"),
        "makers": yr.at(yr.last, "maker_share"),
        "owners_2015": yr.at(2015, "printer_owner_share"),
        "owners_2020": yr.at(2020, "printer_owner_share"),
        "owners_2030": yr.at(2030, "printer_owner_share"),
        "owners_2050": yr.at(2050, "printer_owner_share"),
        "capability_2015": yr.at(2015, "printer_capability", two),
        "capability_2050": yr.at(2050, "printer_capability", two),
        "price_2010": yr.at(2010, "printer_price", money),
        "price_2018": yr.at(2018, "printer_price", money),
        "price_2030": yr.at(2030, "printer_price", money),
        "price_2050": yr.at(2050, "printer_price", money),
        "bought_2015": yr.at(2015, "printers_bought", two),
        "design_coverage_2020": yr.at(2020, "design_coverage"),
        "design_coverage_2050": yr.at(2050, "design_coverage"),
        # carriers and delivery
        "carrier_volume_peak": two(float(y["carrier_volume_per_unit"].max())),
        "carrier_volume_peak_year": str(int(y["carrier_volume_per_unit"].idxmax())),
        "carrier_volume_2050": yr.at(2050, "carrier_volume_per_unit", two),
        "delivery_2000": yr.at(2000, "delivery_days", days),
        "delivery_2020": yr.at(2020, "delivery_days", days),
        "parcels_2010": yr.at(2010, "parcels_per_household", days),
        "parcels_2020": yr.at(2020, "parcels_per_household", days),
        "parcels_2050": yr.at(2050, "parcels_per_household", days),
        "depots_max": num(y["depots"].max()),
        "logisticians_end": num(y["active_logisticians"].iloc[-1]),
        "logistician_exits": count(y["exits_logistician"].sum(), "carrier"),
        "pivots": count(y["pivots_logistician"].sum(), "carrier") if
        "pivots_logistician" in y.columns else "0 carriers",
        # new roles
        "platform_first_when": yr.first_year("active_platforms", 1),
        "hub_first_when": yr.first_year("active_print_hubs", 1),
        "supplier_first_when": yr.first_year("active_material_suppliers", 1),
        "platforms_end": count(y["active_platforms"].iloc[-1], "platform"),
        "hubs_end": count(y["active_print_hubs"].iloc[-1], "print hub"),
        "suppliers_end": count(y["active_material_suppliers"].iloc[-1], "material supplier"),
        "retailer_exits": total("exits_retailer"),
        "retailer_entries": total("entries_retailer"),
        "conversions": total("conversions_retailer"),
        "hub_entries": total("entries_print_hub"),
        "hub_exits": total("exits_print_hub"),
        "producer_entries": total("entries_producer"),
        "producer_exits": total("exits_producer"),
        "producers_start": num(y["active_producers"].iloc[0]),
        "producers_end": num(y["active_producers"].iloc[-1]),
        "online_producers_end": num(y["online_producers"].iloc[-1]),
        "licensing_producers_end": num(y["licensing_producers"].iloc[-1]),
        "on_demand_first_when": yr.first_year("on_demand_producers", 1),
        "on_demand_end": num(y["on_demand_producers"].iloc[-1]),
        "markup_min": two(float(y["mean_markup"].min())),
        "markup_max": two(float(y["mean_markup"].max())),
        "revenue_retailer_2000": yr.at(2000, "revenue_share_retailer"),
        "revenue_retailer_2050": yr.at(2050, "revenue_share_retailer"),
        "revenue_logistician_2000": yr.at(2000, "revenue_share_logistician"),
        "revenue_logistician_2050": yr.at(2050, "revenue_share_logistician"),
        "revenue_new_2050": pct(float(sum(y[f"revenue_share_{r}"].iloc[-1] for r in
                                          ("platform", "print_hub", "material_supplier")))),
    })
    v.update(tipping_order(y))
    part.values = v
    figs = Figures(gen, part)
    figs.add("baseline-channels", channel_figure(y),
             f"Channel shares of the items bought (left) and online share of all retail "
             f"sales as the Census counts it, with the US e-commerce share (right); baseline "
             f"run (seed {v['seed']}, {v['n_customers']} household rows), yearly means.")
    figs.add("baseline-online", online_figure(y),
             "Online share of each category's spending (left) and share of each category's "
             "catalogue carried online (right), baseline run.")
    figs.add("baseline-stores", stores_figure(y),
             "Stores of each type as an index of 1997 (left), with the observed US "
             "bookstores and music stores (points, Census CBP); parcels per household, "
             "delivery days and carriers' bulk and parcel volume per item sold (right), "
             "baseline run.")
    figs.add("baseline-technology", technology_figure(y),
             "Exogenous capability frontier of home and professional printers with the "
             "printable categories' thresholds (left); printer price on the global learning "
             "curve, and shares of households with internet access, owning a printer and "
             "makers (right), baseline run.")
    figs.add("baseline-categories", categories_figure(y),
             "Share of each printable category's items printed (home printing plus print "
             "service), baseline run.")
    figs.add("baseline-firms", firms_figure(y),
             "Active firms by role (symmetric log scale), baseline run.")
    figs.add("baseline-revenue", revenue_figure(y),
             "Value added by role as a share of customer spending, baseline run.")
    flows_file = folder / "flows.parquet"
    if flows_file.is_file():
        flows = pd.read_parquet(flows_file)
        years = sorted(flows["year"].unique())
        if years:
            pick = [y0 for y0 in (2000, 2050) if y0 in years] or [years[0], years[-1]]
            if len(pick) == 1 and years[-1] != pick[0]:
                pick.append(years[-1])
            figs.add("baseline-network", network_figure(flows, pick),
                     "Supply network by role, from the recorded flows of the baseline run: "
                     "edge width is the value passed on the edge as a share of customer "
                     "spending in that year.")
    part.tables["tipping"] = tipping_table(y)
    part.tables["patterns"] = pattern_table(ts)
    return part


def pattern_table(ts: pd.DataFrame) -> dict:
    """Patterns 1-6 (market_abm.patterns.BASELINE) checked on this one run."""
    y = yearly_means(ts)
    last = int(y.index.max())
    if last < 2050:
        rows = [[name, f"not evaluable: the run ends in {last}, the checks need 1999-2050"]
                for name in patterns.BASELINE]
    else:
        rows = [[name, "yes" if ok else "no"]
                for name, ok in patterns.baseline_patterns(y).items()]
    return {"columns": ["pattern (market_abm/patterns.py)", "reproduced by this run"],
            "rows": rows,
            "caption": "Patterns 1-6 checked on the baseline run of the results section "
                       "(pattern 5b needs a run with the frontier frozen in "
                       f"{patterns.FREEZE_YEAR})."}


def tipping_years(y: pd.DataFrame, threshold: float = 0.10) -> dict[str, int | None]:
    """First year each printable category's printed share reaches ``threshold``."""
    cats = load_categories()
    out = {}
    for name in np.asarray(cats.names)[cats.printable]:
        hit = y.index[y[f"printed_share_{name}"] >= threshold]
        out[str(name)] = int(hit[0]) if len(hit) else None
    return out


def tipping_order(y: pd.DataFrame) -> dict[str, str]:
    """How closely printable categories tip (printed share passes 10 %) in order of
    printability."""
    cats = load_categories()
    names = [str(n) for n in np.asarray(cats.names)[cats.printable]]
    thresholds = dict(zip(cats.names, cats.printability, strict=True))
    years = tipping_years(y)
    tipped = [n for n in names if years[n] is not None]
    early = [label(n) for i, n in enumerate(names) if years[n] is not None
             and any(years[m] is None or years[m] > years[n] for m in names[:i])]
    if len(tipped) >= 3:
        rank = pd.Series({n: years[n] for n in tipped})
        thr = pd.Series({n: thresholds[n] for n in tipped})
        rho = f"{rank.rank().corr(thr.rank()):.2f}"
    else:
        rho = "not defined (fewer than three categories pass 10\u00a0%)"
    return {"tipped": f"{len(tipped)} of the {len(names)} printable categories",
            "printable_count": str(len(names)),
            "unprintable": ", ".join(label(n) for n in cats.names if n not in names),
            "tipping_rho": rho,
            "tipping_first": ", ".join(label(n) for n in tipped
                                       if years[n] == min(years[m] for m in tipped))
            if tipped else "none",
            "tipping_early": ", ".join(early) if early else "none"}


def tipping_table(y: pd.DataFrame) -> dict:
    cats = load_categories()
    rows = []
    for i, name in enumerate(cats.names):
        if not cats.printable[i]:
            continue
        col = y[f"printed_share_{name}"]
        hit = y.index[col >= 0.10]
        rows.append([label(name), f"{cats.printability[i]:.2f}",
                     f"{cats.print_quality_max[i]:g}", f"{cats.printable_share[i]:g}",
                     str(int(hit[0])) if len(hit) else f"not by {int(y.index.max())}",
                     pct(float(col.iloc[-1]))])
    return {"columns": ["category", "printability", "best quality", "printable share",
                        "printed share passes 10 %", f"printed share {int(y.index.max())}"],
            "rows": rows,
            "caption": "Printable categories in order of printability, with their best print "
                       "quality and printable share of items (categories.csv), and the year "
                       "their printed share (home printing plus print service) first passes "
                       "10 %, baseline run."}


def channel_figure(y: pd.DataFrame) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 2.9), constrained_layout=True)
    left.stackplot(y.index, [y[f"share_{c}"] for c in CHANNELS],
                   labels=[CHANNEL_LABELS[c] for c in CHANNELS],
                   colors=[CHANNEL_COLOURS[c] for c in CHANNELS])
    left.set(xlabel="year", ylabel="share of items bought", ylim=(0, 1),
             xlim=(y.index.min(), y.index.max()))
    left.legend(loc="lower left", fontsize=6, frameon=True)
    right.plot(y.index, y["spend_share_online"], color=CHANNEL_COLOURS["online"],
               label="model: online share of retail sales")
    census = history.ecommerce_share()
    right.plot(census.index, census.values, "ko", ms=3,
               label="US e-commerce share (Census, Q4)")
    right.set(xlabel="year", ylabel="share of all retail sales",
              xlim=(y.index.min(), y.index.max()))
    right.legend(fontsize=6)
    return fig


def category_colours(names: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab20")
    return {n: cmap(i % 20) for i, n in enumerate(names)}


def online_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    colours = category_colours(list(cats.names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 3.2), constrained_layout=True)
    for name in cats.names:
        left.plot(y.index, y[f"spend_share_online_{name}"], color=colours[name],
                  label=label(name))
        right.plot(y.index, y[f"online_variety_{name}"], color=colours[name])
    left.set(xlabel="year", ylabel="online share of the category's spending")
    right.set(xlabel="year", ylabel="share of the catalogue online", ylim=(0, 1.05))
    fig.legend(*left.get_legend_handles_labels(), fontsize=6, ncol=1, loc="outside right")
    return fig


def stores_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 3.0), constrained_layout=True)
    cmap = plt.get_cmap("tab10")
    base = 1997 if 1997 in y.index else int(y.index.min())
    observed = history.store_establishments()
    for i, t in enumerate(cats.stores.names):
        col = y[f"active_stores_{t}"]
        if col.loc[base] > 0:
            left.plot(y.index, col / col.loc[base], color=cmap(i), label=label(t))
        obs = observed[observed["store_type"] == t].set_index("year")["value"]
        if base in obs.index:
            left.plot(obs.index, obs / obs.loc[base], "o", color=cmap(i), ms=3)
    left.set(xlabel="year", ylabel=f"stores (index {base} = 1)")
    left.legend(fontsize=6)
    right.plot(y.index, y["parcels_per_household"], color=CHANNEL_COLOURS["online"],
               label="parcels / household / year")
    right.plot(y.index, y["delivery_days"], color="black", ls="--", label="delivery days")
    right.set(xlabel="year", ylabel="parcels; days")
    twin = right.twinx()
    twin.plot(y.index, y["carrier_volume_per_unit"], color=ROLE_COLOURS["logistician"],
              label="carried bulk per item sold")
    twin.set(ylabel="bulk units per item sold")
    twin.spines["right"].set_visible(True)
    lines = right.get_lines() + twin.get_lines()
    right.legend(lines, [ln.get_label() for ln in lines], fontsize=6, loc="lower left",
                 bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    return fig


def firms_figure(y: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 2.8), constrained_layout=True)
    for role in FIRM_ROLES:
        ax.plot(y.index, y[f"active_{role}s"], label=ROLE_LABELS[role], color=ROLE_COLOURS[role])
    ax.set(xlabel="year", ylabel="active firms", yscale="symlog")
    ax.legend(fontsize=7, ncol=2)
    return fig


def technology_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 2.8), constrained_layout=True)
    left.plot(y.index, y["printer_capability"], label="home frontier",
              color=CHANNEL_COLOURS["home_print"])
    left.plot(y.index, y["pro_capability"], label="professional",
              color=CHANNEL_COLOURS["print_service"])
    for i, name in enumerate(cats.names):
        if not cats.printable[i]:
            continue
        thr = cats.printability[i]
        left.axhline(thr, color="grey", lw=0.5, ls=":")
        left.text(y.index.min(), thr, label(name), fontsize=6, va="bottom", color="grey")
    left.set(xlabel="year", ylabel="capability index", ylim=(0, 1))
    left.legend(fontsize=7, loc="center right")
    right.plot(y.index, y["printer_price"], color="black", label="printer price")
    right.set(xlabel="year", ylabel="printer price ($)")
    twin = right.twinx()
    twin.plot(y.index, y["internet_share"], color=CHANNEL_COLOURS["online"], ls="--",
              label="internet access")
    twin.plot(y.index, y["printer_owner_share"], color=CHANNEL_COLOURS["home_print"], ls="--",
              label="printer owners")
    twin.plot(y.index, y["maker_share"], color="grey", ls=":", label="makers")
    twin.set(ylabel="share of households", ylim=(0, 1))
    twin.spines["right"].set_visible(True)
    lines = right.get_lines() + twin.get_lines()
    right.legend(lines, [ln.get_label() for ln in lines], fontsize=6, loc="center left")
    return fig


def categories_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    fig, ax = plt.subplots(figsize=(6.5, 3.0), constrained_layout=True)
    printable = [i for i in range(len(cats)) if cats.printable[i]]
    cmap = plt.get_cmap("viridis")
    for j, i in enumerate(printable):
        name = cats.names[i]
        ax.plot(y.index, y[f"printed_share_{name}"],
                color=cmap(j / max(len(printable) - 1, 1)),
                label=f"{label(name)} ({cats.printability[i]:.2f})")
    ax.set(xlabel="year", ylabel="printed share of items", ylim=(0, 1))
    ax.legend(fontsize=7, ncol=2, title="category (printability)", title_fontsize=7)
    return fig


def revenue_figure(y: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 2.8), constrained_layout=True)
    for role in FIRM_ROLES:
        ax.plot(y.index, y[f"revenue_share_{role}"], label=ROLE_LABELS[role],
                color=ROLE_COLOURS[role])
    ax.set(xlabel="year", ylabel="share of customer spending")
    ax.legend(fontsize=7, ncol=2)
    return fig


# Where each role sits in the network figure: producers left, customers right.
NETWORK_POS = {"producer": (0.0, 0.5), "logistician": (1.0, 0.8), "platform": (1.0, 0.2),
               "material_supplier": (1.0, -0.15), "retailer": (2.0, 0.95),
               "marketplace": (2.0, 0.6), "print_hub": (2.0, 0.05), "customers": (3.0, 0.5)}


def network_figure(flows: pd.DataFrame, years: list[int]) -> plt.Figure:
    fig, axes = plt.subplots(1, len(years), figsize=(6.5, 2.8), constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, year in zip(axes, years, strict=True):
        f = flows[flows["year"] == year]
        spend = f.loc[f["dst_role"] == "customers", "value"].sum()
        edges = f.groupby(["src_role", "dst_role"])["value"].sum() / max(spend, 1e-9)
        active = set(f["src_role"]) | set(f["dst_role"])
        for (src, dst), share in edges.items():
            (x0, y0), (x1, y1) = NETWORK_POS[src], NETWORK_POS[dst]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops={"arrowstyle": "-|>", "lw": 0.5 + 8 * max(share, 0.0),
                                    "color": ROLE_COLOURS[src], "alpha": 0.7,
                                    "shrinkA": 12, "shrinkB": 12})
        for role, (x, yy) in NETWORK_POS.items():
            on = role in active
            ax.scatter([x], [yy], s=260, color=ROLE_COLOURS[role] if on else "white",
                       edgecolor=ROLE_COLOURS[role], zorder=3, alpha=1.0 if on else 0.4)
            ax.text(x, yy + (0.12 if yy >= 0.5 else -0.2), ROLE_LABELS.get(role, role),
                    ha="center", fontsize=7, alpha=1.0 if on else 0.4)
        ax.set_title(str(year), fontsize=9)
        ax.set(xlim=(-0.4, 3.4), ylim=(-0.45, 1.2))
        ax.axis("off")
    return fig


def calibration_part(results: Path, gen: Path) -> Part:
    ts_file = results / "baseline" / "timeseries.parquet"
    if not ts_file.is_file():
        return missing("results/baseline",
                       "market-abm run --scenario baseline --seed 1 --out results/baseline")
    if not ECOMMERCE_CSV.is_file():
        return Part(False, "experiments/data",
                    f"{ECOMMERCE_CSV.name} is missing from experiments/data.")
    data = pd.read_csv(ECOMMERCE_CSV)
    ts = pd.read_parquet(ts_file)
    # The data are fourth-quarter shares of sales value: compare with the model's
    # October-December share of spending (of units in runs that do not record spending).
    column = "spend_share_online" if "spend_share_online" in ts.columns else "share_online"
    measure = "spending" if column == "spend_share_online" else "units"
    q4 = ts[ts["month"] >= 10].groupby("year")[column].mean()
    both = data[data["year"].isin(q4.index)]
    if both.empty:
        return Part(False, "results/baseline",
                    f"the baseline run in this build ({int(q4.index.min())}-"
                    f"{int(q4.index.max())}) does not overlap the observed years "
                    f"{int(data.year.min())}-{int(data.year.max())}; a full baseline run "
                    "does.", "market-abm run --scenario baseline --seed 1 --out results/baseline")
    model = q4.loc[both["year"]].to_numpy()
    err = model - both["value"].to_numpy()
    part = Part(True, "results/baseline + experiments/data")
    first, last = int(both.year.iloc[0]), int(both.year.iloc[-1])
    part.values = {
        "first": str(first), "last": str(last),
        "data_first": pct(both["value"].iloc[0]), "data_last": pct(both["value"].iloc[-1]),
        "model_first": pct(model[0]), "model_last": pct(model[-1]),
        "rmse": f"{100 * math.sqrt(float(np.mean(err**2))):.1f} percentage points",
        "max_gap": f"{100 * float(np.max(np.abs(err))):.1f} percentage points",
        "n_years": str(len(both)), "measure": measure,
    }
    fig, ax = plt.subplots(figsize=(6.5, 2.8), constrained_layout=True)
    span = q4[(q4.index >= first - 4) & (q4.index <= last + 10)]
    ax.plot(span.index, span.values, color=CHANNEL_COLOURS["online"],
            label=f"model: online share of {measure} (Q4), baseline run")
    ax.plot(data["year"], data["value"], "ko", ms=4,
            label="US e-commerce share of retail sales (Q4, Census Bureau)")
    ax.set(xlabel="year", ylabel="online share")
    ax.legend(fontsize=7)
    Figures(gen, part).add("calibration-ecommerce", fig,
                           f"Online share of {measure} in the baseline run (fourth quarter "
                           "of each year) against the US e-commerce share of retail sales, "
                           "fourth quarter, seasonally adjusted (US Census Bureau).")
    return part


def _g3(value: float) -> str:
    """Three significant digits; empty for a missing value."""
    return "" if pd.isna(value) else f"{value:.3g}"


def history_match_part(results: Path, gen: Path) -> Part:
    """The ABC-SMC history match (experiments.history_match: fit/ and holdout/, the files of
    ``calibrate --targets``): posterior table, out-of-sample scores, figures as written."""
    from market_abm.history_match import weighted_quantile
    from market_abm.predictive import band_coverage

    folder, command = results / "history_match", "python -m experiments.history_match"
    fit = folder / "fit"
    man_file = fit / "manifest.json"
    if not man_file.is_file():
        return missing("results/history_match", command)
    man = json.loads(man_file.read_text())
    if man.get("status") != "complete":
        return Part(False, "results/history_match", "the history match in "
                    "results/history_match/fit has not finished (rerun to resume it).", command)
    absent = [name for name in ("posterior.parquet", "fit.png", "posterior.png",
                                "forecast.png") if not (fit / name).is_file()]
    if absent:
        return Part(False, "results/history_match", f"results/history_match/fit has no "
                    f"{absent[0]} (written by an older version: rerun it).", command)
    part = Part(True, "results/history_match")
    table = pd.read_parquet(fit / "posterior.parquet")
    last = table[table["population"] == table["population"].max()]
    spec = tomllib.loads(man["targets"])
    defaults = Scenario().model_dump()
    rows = []
    for p in spec["parameter"]:
        name, w = p["name"], last["weight"].to_numpy()
        q = [weighted_quantile(last[name].to_numpy(), w, x) for x in (0.05, 0.5, 0.95)]
        rows.append([name, f"{p.get('prior', 'uniform')} {p['bounds'][0]:g}-{p['bounds'][1]:g}",
                     f"{defaults[name]:g}", f"{q[1]:.3g}", f"{q[0]:.3g}-{q[2]:.3g}"])
    part.tables["history-posterior"] = {
        "columns": ["parameter", "prior", "default", "posterior median", "5-95 %"],
        "rows": rows,
        "caption": f"Posterior of the history match: the last of {man['generations']} "
                   f"populations of {man['population']} particles, weighted "
                   "(results/history_match/fit/posterior.parquet)."}
    part.values = {"population": str(man["population"]),
                   "generations": str(man["generations"]), "draws": str(man["draws"]),
                   "n_targets": str(len(spec["target"])), "n_params": str(len(rows)),
                   "tolerance": f"{man['final_tolerance']:.2f}",
                   "forecast_to": str(man["forecast_to"]), "quick": bool(man.get("quick")),
                   "has_holdout": False}
    part.values["has_predictive"] = (fit / "predictive.parquet").is_file()
    if part.values["has_predictive"]:
        bands = pd.read_parquet(fit / "predictive.parquet")
        cover = band_coverage(bands)
        part.values.update(
            observations=str(int(cover["observed"].sum())),
            fit_in_50=pct(float(np.average(cover["in_50"], weights=cover["observed"])), 0),
            fit_in_90=pct(float(np.average(cover["in_90"], weights=cover["observed"])), 0),
            **forecast_values(bands))
        part.tables["history-coverage"] = {
            "columns": ["series", "observations", "in 50 %", "in 90 %"],
            "rows": [[r["target"], str(int(r["observed"])), pct(r["in_50"], 0),
                      pct(r["in_90"], 0)] for _, r in cover.iterrows()],
            "caption": "In sample: the share of each series' observations inside the 50 % "
                       "and 90 % bands of the posterior predictive (bands that describe the "
                       "data hold about half and nine tenths; "
                       "results/history_match/fit/predictive.parquet)."}
    scores_file = folder / "holdout" / "holdout.csv"
    if scores_file.is_file():
        scores = pd.read_csv(scores_file)
        hold = json.loads((folder / "holdout" / "manifest.json").read_text())["holdout"]
        line, bass = scores.dropna(subset=["rmse_line"]), scores.dropna(subset=["rmse_bass"])
        wins_line = int((line["rmse_model"] < line["rmse_line"]).sum())
        wins_bass = int((bass["rmse_model"] < bass["rmse_bass"]).sum())
        part.values.update(
            has_holdout=True, holdout=f"{hold[0]}--{hold[1]}", scored=str(len(scores)),
            held_years=str(hold[1] - hold[0] + 1),
            held_points=str(int(scores["held_out"].sum())),
            in_50=pct(float(np.average(scores["in_50"], weights=scores["held_out"])), 0),
            in_90=pct(float(np.average(scores["in_90"], weights=scores["held_out"])), 0),
            beats_line=f"{wins_line} of {len(line)}", beats_bass=f"{wins_bass} of {len(bass)}",
            # the mechanisms lose to both trend curves on most series they are scored on
            trends_better=bool(2 * wins_line < len(line) and 2 * wins_bass < len(bass)))
        hold_bands = folder / "holdout" / "predictive.parquet"
        part.values["has_hold_forecast"] = hold_bands.is_file()
        if hold_bands.is_file():
            forecast = forecast_values(pd.read_parquet(hold_bands))
            part.values.update(hold_home_print=forecast["home_print"],
                               hold_stores=forecast["stores"], hold_end=forecast["end_year"])
        part.tables["history-holdout"] = {
            "columns": ["series", "fit years", "held out", "in 50 %", "in 90 %",
                        "RMSE model", "RMSE line", "RMSE Bass"],
            "rows": [[r["target"], r["fit_years"], str(int(r["held_out"])), pct(r["in_50"], 0),
                      pct(r["in_90"], 0), *(_g3(r[f"rmse_{k}"]) for k in ("model", "line",
                                                                         "bass"))]
                     for _, r in scores.iterrows()],
            "caption": f"Out of sample: the years {hold[0]}-{hold[1]} left out of the fit; "
                       "share of held-out points inside the predictive bands and RMSE of the "
                       "predictive median, of a straight line and of a Bass curve fitted to "
                       "the same window of each series (results/history_match/holdout/"
                       "holdout.csv; an empty cell: too few points to fit the reference)."}
    captions = {
        ("fit", "posterior"): "Posterior pairs of the last population (diagonal: weighted "
                              "histograms)",
        ("fit", "fit"): "Posterior predictive (median, 50 % and 90 % bands) against every "
                        "series; the fit window shaded",
        ("fit", "forecast"): "Forecast fans: channel shares and active firms by role, median "
                             "and 90 % band",
        ("holdout", "fit"): "The holdout variant: the open points were left out of the fit"}
    for (run, stem), caption in captions.items():
        src = folder / run / f"{stem}.png"
        if src.is_file():
            name = f"history_match-{run}-{stem}.png"
            (gen / name).write_bytes(src.read_bytes())
            part.figures[f"abc-{run}-{stem}"] = {
                "file": name, "caption": f"{caption} (results/history_match/{run}/{stem}.png, "
                                         f"produced by {command})."}
    return part


def forecast_values(bands: pd.DataFrame) -> dict:
    """The forecast of ``bands`` (a predictive.parquet) at its last year: median and 5-95 %
    of the printed share of the shopping goods' items, the shops' share of retail sales and
    the stores."""
    fans = bands[bands["kind"] == "forecast"].set_index("column")
    end = int(fans["year"].max())
    last = fans[fans["year"] == end]
    values = {"end_year": str(end)}
    for key, column, share in (("home_print", "printed_share_shopping", True),
                               ("shops", "spend_share_retail", True),
                               ("stores", "active_retailers", False)):
        q = last.loc[column, ["q05", "q50", "q95"]].to_numpy(float)
        values[key] = (f"{pct(q[1], 1)} (5-95\u00a0%: {pct(q[0], 1)}-{pct(q[2], 1)})" if share
                       else f"{q[1]:.0f} (5-95\u00a0%: {q[0]:.0f}-{q[2]:.0f})")
    return values


def bass_part(results: Path, gen: Path) -> Part:
    csv = results / "validation" / "bass_networks.csv"
    if not csv.is_file():
        return missing("results/validation/bass_networks.csv",
                       "python -m experiments.bass_docking")
    data = pd.read_csv(csv)
    part = Part(True, "results/validation/bass_networks.csv")
    gap = (data["owner_share"] - data["bass"]).abs().groupby(data["network"]).max()
    v = {"seeds": str(data["seed"].nunique()),
         "first_year": str(int(data["year"].min())), "last_year": str(int(data["year"].max()))}
    half = {}
    for network, d in data.groupby("network"):
        mean = d.groupby("year")["owner_share"].mean()
        hit = mean.index[mean >= 0.5]
        half[network] = f"{hit[0]:.1f}" if len(hit) else f"after {mean.index.max():.0f}"
        v[f"gap_{network}"] = f"{gap[network]:.3f}"
        bass_at = d.groupby("year")["bass"].first()
        v[f"meangap_{network}"] = f"{(mean - bass_at).abs().max():.3f}"
        v[f"half_{network}"] = half[network]
    for network in ("complete", "watts_strogatz", "barabasi_albert"):
        for key in ("gap", "meangap", "half"):
            v.setdefault(f"{key}_{network}", "n/a (graph not in this experiment)")
    bass = data.groupby("year")["bass"].first()
    hit = bass.index[bass >= 0.5]
    v["half_bass"] = f"{hit[0]:.1f}" if len(hit) else f"after {bass.index.max():.0f}"
    v["networks"] = ", ".join(n.replace("_", "-") for n in sorted(data["network"].unique()))
    part.values = v
    fig, ax = plt.subplots(figsize=(6.5, 3.0), constrained_layout=True)
    ax.plot(bass.index, bass.values, "k--", lw=1.5, label="Bass recursion")
    for network, d in data.groupby("network"):
        band = d.groupby("year")["owner_share"].agg(["mean", "min", "max"])
        ax.plot(band.index, band["mean"], label=network.replace("_", "-"))
        ax.fill_between(band.index, band["min"], band["max"], alpha=0.2)
    ax.set(xlabel="year", ylabel="share of households owning a printer", ylim=(0, 1))
    ax.legend(fontsize=7)
    Figures(gen, part).add("bass-docking", fig,
                           "Docking with the Bass model: printer owner share under the bass "
                           "preset on three social graphs (mean and range over seeds) against "
                           "the discrete Bass recursion.")
    return part


@dataclass(frozen=True)
class Experiment:
    """A paper experiment of experiments/ whose figures the paper includes as they are."""

    folder: str                 # under results/
    command: str                # what produces it
    exclude: tuple[str, ...] = ()  # figure stems a dedicated part already shows
    # numbers the text quotes, from the experiment's tables: (folder, gen) -> values, or None
    # when the tables it needs are absent (then the figures alone are shown)
    values: Callable[[Path], dict | None] | None = None
    # figure stem -> the command that produces it, where several commands share the folder
    figure_commands: dict[str, str] = field(default_factory=dict)




# What the known figures of experiments/ show (others are captioned by their file name).
FIGURE_CAPTIONS = {
    "baseline_replicates/channels": "Channel shares of the baseline over replicates: mean and "
                                    "95\u00a0% band of the runs",
    "baseline_replicates/firms": "Active firms by role in the baseline over replicates: mean and "
                                 "95\u00a0% band of the runs",
    "network/network": "Supply-network metrics over replicates: mean and 95\u00a0% band of "
                       "the runs",
    "validation/patterns": "Share of the baseline's seeds reproducing each pattern (bars) "
                           "and the highest share among the alternatives meant to fail it "
                           "(points)",
    "history/history": "The baseline against every observed series of 1990-2024: model mean "
                       "and 95\u00a0% of the runs (band), observations (points); store counts "
                       "and parcels as indices, changes and first years in the last panel",
    "lock_in/lock_in": "Online share of items at the end of runs started with every "
                       "household's habit on retail or online, at each conformity "
                       "J = habit_weight + social_weight (mean and range over seeds), with the "
                       "mean-field threshold, the calibrated J and version 1's",
    "validation/calibration": "Calibration of the online share of spending to the US "
                              "e-commerce series, with the 2010-2019 forecast band",
    "capability_taste/home_print_2050": "Home-print share in 2050 over capability growth and "
                                        "taste for personalisation (mean over replicates)",
    "capability_taste/tipping_year": "Tipping year of home printing over capability growth and "
                                     "taste for personalisation (median over the replicates "
                                     "that tip)",
    "pricing/profit_markup": "Producer profit and mean markup, static against dynamic "
                             "pricing, with 95\u00a0% bands of the runs",
    "pricing/prices": "Prices customers pay per unit by channel, static against dynamic "
                      "pricing, with 95\u00a0% bands of the runs",
    "discovery/regimes": "3D flow (home printing plus print services, share of items) per "
                         "year in the runs of each regime of the scenario-discovery "
                         "ensemble: median and 90\u00a0% of the runs, with the regime "
                         "thresholds and the share of items that can be printed at all",
    "discovery/trajectory_takeover": "PRIM peeling trajectory for takeover: coverage against "
                                     "density of the boxes, the chosen ones circled",
    "discovery/scatter_takeover": "Runs of the ensemble over the two parameters PRIM's first "
                                  "takeover box narrows most, red where the run took over, "
                                  "with the boxes",
    "discovery/trajectory_niche": "PRIM peeling trajectory for niche: coverage against "
                                  "density of the boxes, the chosen ones circled",
    "discovery/scatter_niche": "Runs of the ensemble over the two parameters PRIM's first "
                               "niche box narrows most, red where the 3D flow stayed a "
                               "niche, with the boxes",
    "screening/morris": "Morris screening of the behavioural parameters (mu* and sigma)",
    "screening/sobol": "Sobol first-order and total indices of the most influential parameters",
}


def experiment_part(results: Path, gen: Path, exp: Experiment) -> Part:
    folder = results / exp.folder
    if not folder.is_dir():
        return missing(f"results/{exp.folder}", exp.command)
    part = Part(True, f"results/{exp.folder}")
    stems = sorted({p.stem for p in folder.glob("*.svg")} | {p.stem for p in folder.glob("*.png")})
    for stem in stems:
        if stem in exp.exclude:
            continue
        src = folder / f"{stem}.svg"
        if not src.is_file():
            src = folder / f"{stem}.png"
        name = f"{exp.folder}-{src.name}"
        (gen / name).write_bytes(src.read_bytes())
        what = FIGURE_CAPTIONS.get(f"{exp.folder}/{stem}", stem.replace("_", " "))
        command = exp.figure_commands.get(stem, exp.command)
        part.figures[f"{exp.folder}-{stem}"] = {
            "file": name, "caption": f"{what} (results/{exp.folder}/{src.name}, produced by "
                                     f"{command})."}
    if not part.figures:
        part.available = False
        part.note = f"results/{exp.folder} holds no figure yet."
        part.command = exp.command
        return part
    quoted = exp.values(folder) if exp.values is not None else None
    if quoted is not None:
        part.tables.update(quoted.pop("tables", {}))
    part.values = {"quoted": quoted is not None, **(quoted or {})}
    return part


def interval(mean: float, lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    """'3.1 % (2.5-3.8 %)' style: a value and its 95 % interval."""
    return f"{fmt(mean)} (95\u00a0% interval {fmt(lo)} to {fmt(hi)})"


def replicates_values(folder: Path) -> dict | None:
    """Bands of the baseline replicates (experiments.baseline: bands.csv)."""
    file = folder / "bands.csv"
    if not file.is_file():
        return None
    bands = pd.read_csv(file)
    wide = {col: g.set_index("year") for col, g in bands.groupby("column")}
    v = {"replicates": str(int(bands["n"].max()))}
    for col, year, fmt, key in (("share_online", 2005, pct, "online_2005"),
                                ("share_online", 2020, pct, "online_2020"),
                                ("share_home_print", 2030, pct, "home_print_2030"),
                                ("share_home_print", 2050, pct, "home_print_2050"),
                                ("active_retailers", 2000, lambda x: f"{x:.0f}", "retailers_2000"),
                                ("active_retailers", 2050, lambda x: f"{x:.0f}", "retailers_2050")):
        g = wide.get(col)
        if g is None or year not in g.index:
            v[key] = "n/a (not in the bands)"
        else:
            r = g.loc[year]
            v[key] = interval(r["mean"], r["run_lo"], r["run_hi"], fmt)
    g = wide.get("share_home_print")
    if g is not None:
        def first(series):
            hit = series.index[series >= 0.10]
            return str(int(hit[0])) if len(hit) else f"after {int(series.index.max())}"
        v["home_print_10_mean"] = first(g["mean"])
        v["home_print_10_early"] = first(g["run_hi"])
        v["home_print_10_late"] = first(g["run_lo"])
    else:
        v.update(home_print_10_mean="n/a", home_print_10_early="n/a", home_print_10_late="n/a")
    return v


def capability_values(folder: Path) -> dict | None:
    """Grid of capability growth x taste (experiments.capability_taste: grid.csv)."""
    file = folder / "grid.csv"
    if not file.is_file():
        return None
    grid = pd.read_csv(file)
    g, t = "printer_capability_growth", "personalisation_taste"
    by_growth = grid.groupby(g)["home_print_2050"]
    niche = [x for x, col in by_growth if (col < 0.10).all()]
    mass = [x for x, col in by_growth if (col >= 0.10).all()]
    growths = sorted(grid[g].unique())
    base = min(growths, key=lambda x: abs(x - Scenario().printer_capability_growth))
    at_base = grid[grid[g] == base].sort_values(t)
    return {"cells": str(len(grid)), "runs": num(grid["runs"].sum()),
            "growth_min": f"{min(growths):g}", "growth_max": f"{max(growths):g}",
            "taste_min": f"{grid[t].min():g}", "taste_max": f"{grid[t].max():g}",
            "niche_max_growth": f"{max(niche):g}" if niche else "none of the grid's rates",
            "mass_min_growth": f"{min(mass):g}" if mass else "none of the grid's rates",
            "base_growth": f"{base:g}",
            "base_low_taste": pct(at_base["home_print_2050"].iloc[0]),
            "base_high_taste": pct(at_base["home_print_2050"].iloc[-1]),
            "hp_min": pct(grid["home_print_2050"].min()),
            "hp_max": pct(grid["home_print_2050"].max())}


# --- scenario discovery (experiments.discovery) -------------------------------------------------
# What a run did when an outcome of experiments.discovery.OUTCOMES holds for it.
OUTCOME_VERBS = {"takeover": "took over", "niche": "stayed a niche"}


def box_bounds(box: pd.Series) -> str:
    """'a 0.1 to 0.3; b in {x, y}': the restricted parameters of a row of boxes_<o>.csv."""
    shown = []
    for name in str(box["restricted"]).split():
        if f"{name}_values" in box:
            shown.append(f"{name} in {{{str(box[f'{name}_values']).replace('|', ', ')}}}")
        else:
            shown.append(f"{name} {box[f'{name}_min']:.3g} to {box[f'{name}_max']:.3g}")
    return "; ".join(shown) or "none (the whole design)"


def outcome_sentence(row: pd.Series, boxes: pd.DataFrame) -> str:
    """What the ensemble says about one outcome, its direction from the numbers."""
    verb = OUTCOME_VERBS.get(row["outcome"], f"met {row['outcome']}")
    k, n = int(row["runs_of_interest"]), int(row["runs"])
    if k == 0:
        return f"No run {verb}"
    if k == n:
        return f"Every run {verb}"
    said = f"{k:,} of {n:,} runs ({pct(k / n, 0)}) {verb}"
    if boxes.empty:
        return f"{said}, and PRIM found no box where this is common"
    b = boxes.iloc[0]
    return (f"{said}; PRIM's first box ({box_bounds(b)}) holds {pct(b['coverage'], 0)} of "
            f"them (coverage) and {int(b['runs']):,} runs of which {pct(b['density'], 0)} "
            f"{verb} (density)")


def discovery_values(folder: Path) -> dict | None:
    """Regime counts and PRIM boxes of the ensemble (experiments.discovery: regimes.csv,
    outcomes.csv, boxes_<outcome>.csv, sweep/manifest.json)."""
    from experiments.discovery import printable_ceiling
    from market_abm.discovery import MIN_DENSITY
    from market_abm.regimes import NICHE_SHARE, TAKEOVER_SHARE

    if not all((folder / f"{name}.csv").is_file() for name in ("regimes", "outcomes")):
        return None
    regimes = pd.read_csv(folder / "regimes.csv").set_index("regime")
    outcomes = pd.read_csv(folder / "outcomes.csv", keep_default_na=False)
    n = int(regimes["runs"].sum())
    man_file = folder / "sweep" / "manifest.json"
    man = json.loads(man_file.read_text()) if man_file.is_file() else {}
    base = {**Scenario().model_dump(), **man.get("base_scenario", {})}
    ranges = man.get("uncertainties") or {name: None for name in man.get("parameters", [])}
    size = sweep_size(folder / "sweep")
    # the most any run could print: at the highest multi-material reach it sampled
    reach = max((ranges or {}).get("multi_material_reach") or [base["multi_material_reach"]])
    ceiling = printable_ceiling(reach)
    v = {"runs": num(n), "customers": size["customers"], "steps": size["steps"],
         "first_year": str(base["start_year"]), "last_year": str(base["end_year"]),
         "n_uncertainties": str(len(ranges)) if ranges else "an unrecorded number of",
         "uncertainties": "; ".join(f"{name} {lim[0]:g} to {lim[1]:g}" if lim else name
                                    for name, lim in ranges.items()) or "not recorded",
         "niche_share": pct(NICHE_SHARE, 0), "takeover_share": pct(TAKEOVER_SHARE, 0),
         "ceiling": pct(ceiling, 0), "ceiling_today": pct(printable_ceiling(), 0),
         "reach_max": f"{reach:g}", "peak_max": pct(float(regimes["peak_3d_max"].max())),
         "min_density": f"{MIN_DENSITY:g}"}
    for regime, r in regimes.iterrows():
        v[f"{regime}_runs"] = f"{int(r['runs']):,} ({pct(r['runs'] / n, 0)})"
    # said only when the runs agree: none took over (results of another category table may not)
    v["ceiling_below_takeover"] = bool(ceiling < TAKEOVER_SHARE
                                       and regimes.at["takeover", "runs"] == 0)
    rows = []
    for _, row in outcomes.iterrows():
        file = folder / f"boxes_{row['outcome']}.csv"
        boxes = pd.read_csv(file) if file.is_file() else pd.DataFrame()
        v[f"{row['outcome']}_sentence"] = outcome_sentence(row, boxes)
        if boxes.empty:
            rows.append([row["outcome"], "none", row["note"] or "PRIM found no box", "", "",
                         f"{int(row['runs_of_interest'])} of {int(row['runs'])}"])
        for i, b in boxes.iterrows():
            rows.append([row["outcome"] if i == 0 else "", str(int(b["box"])), box_bounds(b),
                         pct(b["coverage"], 0), pct(b["density"], 0),
                         f"{int(b['runs_of_interest'])} of {int(b['runs'])}"])
    v["ceiling_sentence"] = ceiling_sentence(folder / "sweep")
    v["tables"] = {"discovery-boxes": {
        "columns": ["outcome", "box", "restricted parameters (bounds)", "coverage", "density",
                    "runs where it holds, of the box's"],
        "rows": rows,
        "caption": "PRIM boxes of each outcome of the scenario-discovery ensemble "
                   "(results/discovery/boxes_<outcome>.csv): the parameters each box "
                   "restricts and their bounds (the others free over their whole range), "
                   "coverage (share of the runs where the outcome holds that lie in the box) "
                   "and density (share of the box's runs where it holds)."}}
    return v


def ceiling_sentence(sweep: Path) -> str:
    """How close runs come to the share of items they could print at their own
    multi-material reach (from the sweep's runs and yearly tables; empty without them)."""
    from experiments.discovery import printable_ceiling

    runs_file, yearly_file = sweep / "runs.parquet", sweep / "yearly.parquet"
    if not (runs_file.is_file() and yearly_file.is_file()):
        return ""
    runs = pd.read_parquet(runs_file).set_index("run_id")
    if "multi_material_reach" not in runs:
        return ""
    yearly = pd.read_parquet(yearly_file, columns=["run_id", "share_home_print",
                                                   "share_print_service"])
    peak = (yearly["share_home_print"] + yearly["share_print_service"]).groupby(
        yearly["run_id"]).max()
    ceiling = runs["multi_material_reach"].map(printable_ceiling)
    ratio = (peak / ceiling).dropna()
    return (f"Each run prints at most a part of what its own reach makes printable: its peak "
            f"3D share is {pct(float(ratio.median()), 0)} of its ceiling in the median run and "
            f"{pct(float(ratio.max()), 0)} at most, so a takeover needs the widest reach and "
            "most of the other uncertainties on printing's side at once")


def dollars(x: float) -> str:
    return money(x, cents=True)


def network_values(folder: Path) -> dict | None:
    """Supply-network metrics over replicates (experiments.network: bands.csv)."""
    file = folder / "bands.csv"
    if not file.is_file():
        return None
    bands = pd.read_csv(file)
    wide = {col: g.set_index("year") for col, g in bands.groupby("column")}
    two = lambda x: f"{x:.2f}"  # noqa: E731
    v = {"replicates": str(int(bands["n"].max()))}
    for col, key, fmt in (("intermediation_index", "ii", two),
                          ("flow_share_retailer", "retailer", pct),
                          ("flow_share_platform", "platform", pct)):
        g = next((wide[c] for c in wide if c.endswith(col)), None)
        for year in (2000, 2050):
            if g is None or year not in g.index:
                v[f"{key}_{year}"] = "n/a (not in the bands)"
            else:
                r = g.loc[year]
                v[f"{key}_{year}"] = interval(r["mean"], r["run_lo"], r["run_hi"], fmt)
    return v


def validation_values(folder: Path) -> dict | None:
    """Pattern shares over seeds (patterns.csv), the alternatives (alternatives.csv) and the
    calibration (calibration_fit.csv, calibrated_scenario.toml)."""
    v = {}
    file = folder / "patterns.csv"
    if file.is_file():
        table = pd.read_csv(file)
        v["patterns_runs"] = str(int(table["runs"].max()))
        v["patterns_all"] = "; ".join(f"{r.pattern}: {pct(r.share, 0)}"
                                      for r in table.itertuples())
        v["patterns_min"] = pct(float(table["share"].min()), 0)
        size = sweep_size(folder / "patterns_baseline")
        v["patterns_customers"], v["patterns_steps"] = size["customers"], size["steps"]
    alternatives = alternatives_values(folder)
    if alternatives is not None:
        v.update(alternatives)
    fit_file = folder / "calibration_fit.csv"
    if fit_file.is_file():
        fit = pd.read_csv(fit_file)
        seen = fit.dropna(subset=["observed"])
        err = seen["model_mean"] - seen["observed"]
        v["cal_rmse"] = points(math.sqrt(float((err**2).mean()))).replace("-", "")
        v["cal_first"], v["cal_last"] = str(int(seen.year.min())), str(int(seen.year.max()))
        future = fit[fit["year"].between(2010, 2019)]
        if len(future):
            r = future.iloc[-1]
            v["forecast"] = (f"{interval(r['model_mean'], r['model_lower'], r['model_upper'], pct)}"
                             f" in {int(r['year'])}")
        names = DEFAULT_PARAMS.get("spend_share_online", {})
        toml_file = folder / "calibrated_scenario.toml"
        if toml_file.is_file():
            import tomllib

            fitted = tomllib.loads(toml_file.read_text()).get("scenario", {})
            v["cal_params"] = ", ".join(f"{n} = {fitted[n]:.3g} (baseline "
                                        f"{format_default(Scenario.model_fields[n].default)})"
                                        for n in names if n in fitted) or "not recorded"
    if not v:
        return None
    for key in ("patterns_runs", "patterns_all", "patterns_min", "patterns_customers",
                "patterns_steps", "cal_rmse", "cal_first", "cal_last", "forecast",
                "cal_params"):
        v.setdefault(key, "n/a (not in results/validation)")
    v["has_patterns"] = file.is_file()
    v["has_alternatives"] = alternatives is not None
    v["has_calibration"] = fit_file.is_file()
    return v


def pricing_values(folder: Path) -> dict | None:
    """Static versus dynamic pricing (experiments.pricing: summary.csv)."""
    file = folder / "summary.csv"
    if not file.is_file():
        return None
    table = pd.read_csv(file).set_index("output")
    formats = {"final_firm_profit_producer": ("profit", money),
               "final_mean_markup": ("markup", lambda x: f"{x:.2f}"),
               "final_customer_price_retail": ("price_retail", dollars),
               "final_customer_price_online": ("price_online", dollars),
               "final_customer_price_home_print": ("price_home_print", dollars),
               "final_share_home_print": ("share_home_print", pct),
               "final_share_online": ("share_online", pct)}
    v = {"runs_per_arm": f"{int(table['n_static'].max())}"}
    for output, (key, fmt) in formats.items():
        if output not in table.index:
            for arm in ("static", "dynamic", "diff"):
                v[f"{key}_{arm}"] = "n/a"
            continue
        r = table.loc[output]
        v[f"{key}_static"], v[f"{key}_dynamic"] = fmt(r["static"]), fmt(r["dynamic"])
        dfmt = points if fmt is pct else fmt
        v[f"{key}_diff"] = (f"{dfmt(r['difference'])} (95\u00a0% confidence interval "
                            f"{dfmt(r['diff_lo'])} to {dfmt(r['diff_hi'])})")
    return v


def screening_values(folder: Path) -> dict | None:
    """Morris then Sobol (experiments.screening: morris_indices.csv, sobol_indices.csv)."""
    file = folder / "morris_indices.csv"
    if not file.is_file():
        return None
    morris = pd.read_csv(file)
    out = "final_share_home_print"
    m = morris[morris["output"] == out].sort_values("mu_star", ascending=False)
    online = morris[morris["output"] == "final_share_online"].sort_values("mu_star",
                                                                       ascending=False)
    v = {"n_params": str(morris["parameter"].nunique()),
         "outputs": ", ".join(o.removeprefix("final_") for o in morris["output"].unique()),
         "morris_top": ", ".join(f"{r.parameter} (mu* = {r.mu_star:.3f})"
                                 for r in m.head(3).itertuples()) or "none",
         "morris_last": ", ".join(m.tail(3)["parameter"]) or "none",
         "morris_top_online": ", ".join(f"{r.parameter} (mu* = {r.mu_star:.3f})"
                                        for r in online.head(3).itertuples()) or "none"}
    sobol_file = folder / "sobol_indices.csv"
    v["has_sobol"] = sobol_file.is_file()
    if v["has_sobol"]:
        sobol = pd.read_csv(sobol_file)
        sb = sobol[sobol["output"] == out].sort_values("ST", ascending=False)
        v["sobol"] = "; ".join(f"{r.parameter}: S1 = {r.S1:.2f} ± {r.S1_conf:.2f}, ST = "
                               f"{r.ST:.2f} ± {r.ST_conf:.2f}" for r in sb.itertuples()) or "none"
        first_order = float(sb["S1"].clip(lower=0).sum())
        v.update(sobol_top=sb["parameter"].iloc[0], sobol_top_s1=pct(float(sb["S1"].iloc[0]), 0),
                 sobol_s1_sum=pct(min(first_order, 1.0), 0),
                 sobol_rest=pct(max(1.0 - first_order, 0.0), 0),
                 sobol_params=str(len(sb)))
    else:
        v["sobol"] = "not computed (no sobol_indices.csv)"
    return v


def sweep_size(folder: Path) -> dict[str, str]:
    """Size of a sweep of experiments/ from its manifest: runs, customers, steps a year."""
    file = folder / "manifest.json"
    if not file.is_file():
        return {"runs": "an unrecorded number of", "customers": "an unrecorded number of",
                "steps": "", "quick": False}
    man = json.loads(file.read_text())
    base = man.get("base_scenario", {})
    steps = int(base.get("steps_per_year", Scenario().steps_per_year))
    return {"runs": str(man.get("replicates", man.get("n_runs", "?"))),
            "customers": num(base.get("n_customers", Scenario().n_customers)),
            "steps": {12: "monthly", 4: "quarterly", 1: "yearly"}.get(steps,
                                                                      f"{steps} a year"),
            "quick": bool(man.get("quick", False))}


# --- history matching (experiments.history: history_fit.csv) ----------------------------------
UNIT_FORMATS: dict[str, Callable[[float], str]] = {
    "fraction": pct, "index": lambda x: f"{x:.2f}", "printers / year": num, "$": money,
    "year": lambda x: f"{x:.1f}" if x != int(x) else f"{x:.0f}"}


def history_values(folder: Path) -> dict | None:
    """The baseline against every observed series (experiments.history: history_fit.csv)."""
    file = folder / "history_fit.csv"
    if not file.is_file():
        return None
    table = pd.read_csv(file)
    size = sweep_size(folder / "sweep")
    v = {"runs": size["runs"], "customers": size["customers"], "steps": size["steps"],
         "quick_note": " (a CI-size run: not for interpretation)" if size["quick"] else ""}
    seen = table.dropna(subset=["observed"])
    inside = (seen["observed"] >= seen["lo"]) & (seen["observed"] <= seen["hi"])
    v["points"], v["inside"] = str(len(seen)), str(int(inside.sum()))
    v["series"] = str(seen["series"].nunique())

    def series(name: str) -> pd.DataFrame:
        return table[table["series"].str.startswith(name)].set_index("year")

    def obs_model(name: str, year: int | None = None) -> tuple[str, str, float, float]:
        """(observed, model with band) formatted, and the raw numbers, at ``year`` (default:
        the last observed year of the series)."""
        s = series(name)
        s_seen = s.dropna(subset=["observed"])
        if s_seen.empty:
            return "n/a", "n/a", float("nan"), float("nan")
        year = int(s_seen.index.max()) if year is None else year
        if year not in s.index or pd.isna(s.loc[year, "model"]):
            return "n/a", "n/a", float("nan"), float("nan")
        r = s.loc[year]
        fmt = UNIT_FORMATS.get(str(r["unit"]), lambda x: f"{x:.3g}")
        model = f"{fmt(r['model'])} (95\u00a0% of runs {fmt(r['lo'])} to {fmt(r['hi'])})"
        observed = fmt(r["observed"]) if pd.notna(r["observed"]) else "n/a"
        return observed, model, float(r["observed"]), float(r["model"])

    # e-commerce share 1999-2009 and the model beyond
    ecom = series("e-commerce share")
    both = ecom.dropna(subset=["observed", "model"])
    if len(both):
        err = both["model"] - both["observed"]
        v["ecom_rmse"] = points(math.sqrt(float((err ** 2).mean())))
        v["ecom_max_gap"] = points(float(err.abs().max()))
        v["ecom_first"], v["ecom_last"] = str(int(both.index.min())), str(int(both.index.max()))
        slope = (both["observed"].iloc[-1] - both["observed"].iloc[0]) / max(
            both.index[-1] - both.index[0], 1)
        v["ecom_obs_slope"] = f"{100 * slope:.2f} percentage points a year"
        later = ecom["model"].dropna().loc[2012:]
        if len(later) >= 2:
            rise = (later.iloc[-1] - later.iloc[0]) / (later.index[-1] - later.index[0])
            v["ecom_model_slope"] = (f"{100 * rise:.2f} percentage points a year "
                                     f"({pct(later.iloc[0])} in {int(later.index[0])}, "
                                     f"{pct(later.iloc[-1])} in {int(later.index[-1])})")
            v["ecom_slower"] = bool(rise < slope)
    for key, name, year in (("ecom_2009", "e-commerce share", 2009),
                            ("internet_2014", "households with internet", 2014),
                            ("internet_2000", "households with internet", 2000),
                            ("adults_2024", "adults using the internet", 2024),
                            ("books_2019", "bookstores", 2019),
                            ("music_2007", "music stores", 2007),
                            ("media_2011", "online share of media", 2011),
                            ("electronics_2012", "online share of electronics", 2012),
                            ("furniture_2012", "online share of furniture", 2012),
                            ("clothing_online_2012", "online share of clothing", 2012),
                            ("printers_2011", "world desktop printers sold", 2011),
                            ("printers_2015", "world desktop printers sold", 2015),
                            ("price_2012", "entry printer price", 2012),
                            ("price_2018", "entry printer price", 2018)):
        v[f"{key}_obs"], v[f"{key}_model"], _, _ = obs_model(name, year)
    # the QCEW changes 2001-2017, one clause per store type
    changes = table[table["series"].str.startswith("store change 2001-2017")]
    v["qcew"] = "; ".join(
        f"{r.series.removeprefix('store change 2001-2017: ')} {signed_pct(r.observed)} in "
        f"the data, {signed_pct(r.model)} in the model" for r in changes.itertuples()) or "n/a"
    clothing = changes[changes["series"].str.endswith("clothing")]
    if len(clothing):
        r = clothing.iloc[0]
        verb = {True: "grew", False: "fell"}
        if (r.model >= 0) == (r.observed >= 0):
            v["clothing_sentence"] = (f"clothing stores {verb[r.model >= 0]} in both, by "
                                      f"{signed_pct(r.model)} in the model against "
                                      f"{signed_pct(r.observed)} in the data (2001-2017)")
        else:
            v["clothing_sentence"] = (f"clothing stores {verb[r.model >= 0]} in the model "
                                      f"({signed_pct(r.model)}) but {verb[r.observed >= 0]} in "
                                      f"the data ({signed_pct(r.observed)}, 2001-2017)")
    # parcels
    obs, model, o, m = obs_model("parcels")
    par = series("parcels").dropna(subset=["observed"])
    if len(par):
        year = int(par.index.max())
        relation = "less than" if m < o else "more than"
        v["parcels_sentence"] = (f"Parcels per household grew {relation} the Pitney Bowes "
                                 f"parcel index: {model} times their 2015 level in {year}, "
                                 f"against {obs} observed")
    # first platform and print service
    firsts = []
    for name in ("first 3D platform", "first print service"):
        s = series(name)
        if len(s):
            r = s.iloc[0]
            lag = r["model"] - r["observed"]
            when = (f"{abs(lag):.1f} years {'after' if lag > 0 else 'before'}"
                    if abs(lag) >= 0.05 else "in the same year as")
            firsts.append(f"the {name} is active in {r['model']:.1f} on average (95\u00a0% of "
                          f"runs {r['lo']:.0f} to {r['hi']:.0f}), {when} "
                          f"{'Thingiverse' if 'platform' in name else 'Shapeways'} "
                          f"({int(r['observed'])})")
    v["firsts_sentence"] = "; ".join(firsts) or "n/a"
    v["firsts_late"] = bool(any(series(n)["model"].iloc[0] > series(n)["observed"].iloc[0]
                                for n in ("first 3D platform", "first print service")
                                if len(series(n))))
    close = history_closeness(table)
    near = [name for name, ok in close.items() if ok]
    far = [name for name, ok in close.items() if not ok]
    v["close_list"] = "; ".join(near) or "none"
    v["far_list"] = "; ".join(far) or "none"
    v["close_count"], v["series_count"] = str(len(near)), str(len(close))
    v["close_rule"] = close_rule()
    v["music_far"] = any(name.startswith("music stores") for name in far)
    v["tables"] = {"history-fit": history_table(table, close)}
    return v


# When a series counts as close in the paper's history section (stated in the text): first
# years within two years; changes 2001-2017 of the same sign and within 10 percentage points;
# other series within 25 % of the observed values on average.
CLOSE_YEARS, CLOSE_CHANGE, CLOSE_RELATIVE = 2.0, 0.10, 0.25


def close_rule() -> str:
    """The rule of history_closeness, in words."""
    return (f"first years within {CLOSE_YEARS:g} years, changes of the same sign within "
            f"{points(CLOSE_CHANGE)}, other series within {pct(CLOSE_RELATIVE, 0)} of the "
            "observations on average")


def history_closeness(table: pd.DataFrame) -> dict[str, bool]:
    """Per observed series of history_fit.csv: is the model's mean close to the data (by the
    rule above)? Base years of indices (observed and model both exactly 1) are left out."""
    out = {}
    for name, s in table.groupby("series", sort=False):
        seen = s.dropna(subset=["observed", "model"])
        base = (seen["unit"] == "index") & (seen["observed"] == 1.0) & (seen["model"] == 1.0)
        seen = seen[~base]
        if seen.empty:
            continue
        unit = str(seen["unit"].iloc[0])
        gap = seen["model"] - seen["observed"]
        if unit == "year":
            out[name] = bool(gap.abs().max() <= CLOSE_YEARS)
        elif name.startswith("store change"):
            same = bool(((seen["model"] >= 0) == (seen["observed"] >= 0)).all())
            out[name] = same and bool(gap.abs().max() <= CLOSE_CHANGE)
        else:
            rel = (gap.abs() / seen["observed"].abs().clip(lower=1e-12)).mean()
            out[name] = bool(rel <= CLOSE_RELATIVE)
    return out


def history_table(table: pd.DataFrame, close: dict[str, bool]) -> dict:
    """One row per observed series: its years, how many observations the runs' band holds,
    the last observation against the model, and whether the series counts as close."""
    rows = []
    for name, s in table.groupby("series", sort=False):
        seen = s.dropna(subset=["observed", "model"])
        if seen.empty:
            continue
        fmt = UNIT_FORMATS.get(str(seen["unit"].iloc[0]), lambda x: f"{x:.3g}")
        inside = int(((seen["observed"] >= seen["lo"]) & (seen["observed"] <= seen["hi"])).sum())
        years = seen["year"].astype(int)
        span = str(years.min()) if years.min() == years.max() else \
            f"{years.min()}-{years.max()}"
        last = seen.iloc[-1]
        rows.append([name, span, f"{inside} of {len(seen)}", fmt(last["observed"]),
                     f"{fmt(last['model'])} ({fmt(last['lo'])} to {fmt(last['hi'])})",
                     "yes" if close.get(name) else "no"])
    return {"columns": ["observed series", "years", "within the runs' 95 % band",
                        "last observation", "model there (95 % of runs)", "close"],
            "rows": rows,
            "caption": "The baseline against every observed series of "
                       "market_abm/data/history/ (results/history/history_fit.csv). Store "
                       "counts and parcels are compared as indices, changes as ratios; "
                       "observed values are US figures (sources in the data folder's "
                       f"README). Close: {close_rule()}."}


# --- lock-in (experiments.lock_in: lock_in.csv) ------------------------------------------------
def lock_in_constants() -> tuple[float, float, float]:
    """(mean-field threshold, version 1's h + s, the calibrated h + s of the baseline)."""
    from experiments.lock_in import THRESHOLD, VERSION_1

    base = Scenario()
    return THRESHOLD, VERSION_1, round(base.habit_weight + base.social_weight, 3)


def lock_in_values(folder: Path) -> dict | None:
    """Final online share from the two starting habits at each conformity J."""
    file = folder / "lock_in.csv"
    if not file.is_file():
        return None
    data = pd.read_csv(file)
    threshold, v1, calibrated = lock_in_constants()
    means = data.pivot_table(index="J", columns="start", values="final_online_share")
    gap = (means["online"] - means["retail"]).sort_index()
    at = lambda j: float(np.interp(j, gap.index, gap.to_numpy()))  # noqa: E731
    share = lambda start, j: float(np.interp(j, means.index, means[start]))  # noqa: E731
    v = {"J_levels": ", ".join(f"{j:g}" for j in gap.index),
         "seeds": count(data["seed"].nunique(), "seed"),
         "threshold": f"{threshold:g}", "v1_J": f"{v1:g}", "calibrated_J": f"{calibrated:g}",
         "gap_calibrated": points(at(calibrated)), "gap_v1": points(at(v1)),
         "retail_start_calibrated": pct(share("retail", calibrated)),
         "online_start_calibrated": pct(share("online", calibrated)),
         "retail_start_v1": pct(share("retail", v1)),
         "online_start_v1": pct(share("online", v1)),
         "gap_low": points(float(gap.iloc[0])), "J_low": f"{gap.index[0]:g}",
         "ratio": f"{at(v1) / at(calibrated):.0f}" if at(calibrated) > 1e-9 else "n/a"}
    v["years"] = str(int(data["years"].iloc[0])) if "years" in data.columns else "the run's"
    v["customers"] = num(data["n_customers"].iloc[0]) if "n_customers" in data.columns \
        else "an unrecorded number of"
    below = gap[gap.index < threshold]
    v["gap_max_below"] = points(float(below.max())) if len(below) else "n/a"
    v["slow"] = bool(at(calibrated) > 0.02)
    v["tables"] = {"lock-in-table": {
        "columns": ["J = h + s", "every household starts on retail",
                    "every household starts online", "gap"],
        "rows": [[f"{j:g}", pct(means.loc[j, "retail"]), pct(means.loc[j, "online"]),
                  points(gap.loc[j])] for j in gap.index],
        "caption": "Online share of items at the end of the lock-in runs from the two "
                   "starting habits, mean over seeds (results/lock_in/lock_in.csv)."}}
    return v


# --- alternatives (experiments.pattern_validation: alternatives.csv) ---------------------------
def version_1_alternative() -> tuple[str, str]:
    """(name, pattern) of the alternative with version 1's channel inertia."""
    for name, (overrides, failing) in patterns.ALTERNATIVES.items():
        if {"habit_weight", "social_weight"} <= set(overrides):
            return name, failing[0]
    raise LookupError("no alternative with version 1's habit and social weights")


def alternatives_values(folder: Path) -> dict | None:
    """Per pattern: the share of baseline seeds reproducing it and the share of the
    alternatives meant to fail it that still do."""
    file = folder / "alternatives.csv"
    if not file.is_file():
        return None
    alt = pd.read_csv(file)
    meant = alt[alt["expected_to_fail"].astype(str).str.lower() == "true"]
    base_file = folder / "patterns.csv"
    base = pd.read_csv(base_file).set_index("pattern") if base_file.is_file() else None
    names = list(base.index) if base is not None else list(dict.fromkeys(meant["pattern"]))
    rows, clauses = [], []
    for pattern in names:
        b = (f"{pct(base.at[pattern, 'share'], 0)} of {int(base.at[pattern, 'runs'])}"
             if base is not None else "n/a")
        m = meant[meant["pattern"] == pattern]
        if m.empty:
            rows.append([pattern, b, "none (a what-if run of its own)", ""])
            continue
        for i, r in enumerate(m.itertuples()):
            rows.append([pattern if i == 0 else "", b if i == 0 else "", r.alternative,
                         f"{pct(r.share, 0)} of {int(r.runs)}"])
            clauses.append(f"{r.alternative} reproduces pattern {pattern.split()[0]} in "
                           f"{pct(r.share, 0)} of its {int(r.runs)} seeds")
    v = {"alt_count": str(alt["alternative"].nunique()),
         "alt_runs": str(int(alt["runs"].max())),
         "alt_max": pct(float(meant["share"].max()), 0) if len(meant) else "n/a",
         "alt_clauses": "; ".join(clauses) or "n/a"}
    name, pattern = version_1_alternative()
    hit = alt[(alt["alternative"] == name) & (alt["pattern"] == pattern)]
    if len(hit):
        r = hit.iloc[0]
        v.update(v1_name=name, v1_pattern=pattern, v1_share=pct(float(r["share"]), 0),
                 v1_reproduced=str(int(r["reproduced"])), v1_runs=str(int(r["runs"])))
        if base is not None and pattern in base.index:
            v["v1_base_share"] = pct(float(base.at[pattern, "share"]), 0)
            v["v1_base_runs"] = str(int(base.at[pattern, "runs"]))
    v["has_v1"] = len(hit) > 0
    v["tables"] = {"alternatives-table": {
        "columns": ["pattern", "baseline seeds reproducing it",
                    "alternative meant to fail it", "its seeds reproducing it"],
        "rows": rows,
        "caption": "Share of seeds reproducing each pattern: the baseline "
                   "(results/validation/patterns.csv) and the alternative models meant to "
                   "fail it (market_abm.patterns.ALTERNATIVES; "
                   "results/validation/alternatives.csv)."}}
    return v


def version_1_part(results: Path, gen: Path) -> Part:
    """The measured rejection of version 1's lock-in: the alternative with its weights
    (alternatives.csv) and the two starts at its conformity (lock_in.csv)."""
    alt = alternatives_values(results / "validation")
    lock = lock_in_values(results / "lock_in")
    if alt is None and lock is None:
        return missing("results/validation/alternatives.csv and results/lock_in/lock_in.csv",
                       "python -m experiments.pattern_validation and "
                       "python -m experiments.lock_in")
    part = Part(True, "results/validation/alternatives.csv, results/lock_in/lock_in.csv")
    v = {"has_alt": bool(alt and alt.get("has_v1")), "has_lock_in": lock is not None}
    for source in (alt, lock):
        for key, value in (source or {}).items():
            if key != "tables":
                v[key] = value
    threshold, v1, calibrated = lock_in_constants()
    v.setdefault("threshold", f"{threshold:g}")
    v.setdefault("v1_J", f"{v1:g}")
    v.setdefault("calibrated_J", f"{calibrated:g}")
    part.values = v
    return part


def network_part(results: Path, gen: Path) -> Part:
    """Supply-network metrics of the baseline run (network.py writes network.parquet)."""
    folder = results / "baseline"
    file = folder / "network.parquet"
    if not file.is_file():
        return missing("results/baseline/network.parquet",
                       "market-abm run --scenario baseline --seed 1 --out results/baseline")
    m = pd.read_parquet(file).set_index("year")
    yr = Years(m)
    two = lambda x: f"{x:.2f}"  # noqa: E731
    v = {"ii_start": two(m["intermediation_index"].iloc[0]), "first_year": str(yr.first),
         "last_year": str(yr.last),
         "ii_2000": yr.at(2000, "intermediation_index", two),
         "ii_2050": yr.at(2050, "intermediation_index", two),
         "nodes_start": num(m["nodes"].iloc[0]), "nodes_end": num(m["nodes"].iloc[-1]),
         "edges_start": num(m["edges"].iloc[0]), "edges_end": num(m["edges"].iloc[-1]),
         "retailer_flow_2050": yr.at(2050, "flow_share_retailer"),
         "platform_flow_2050": yr.at(2050, "flow_share_platform")}
    events = pd.read_csv(folder / "events.csv") if (folder / "events.csv").is_file() else None

    def event(kind: str, role: str) -> str:
        if events is None:
            return "not recorded (no events.csv)"
        hit = events[(events["event"] == kind) & (events["role"] == role)]
        return f"in {int(hit['year'].iloc[0])}" if len(hit) else f"not by {yr.last}"

    v.update(disint_retailer=event("disintermediation", "retailer"),
             disint_logistician=event("disintermediation", "logistician"),
             reint_platform=event("reintermediation", "platform"),
             reint_print_hub=event("reintermediation", "print_hub"))
    part = Part(True, "results/baseline/network.parquet")
    part.values = v
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 2.8), constrained_layout=True)
    left.plot(m.index, m["intermediation_index"], color="black")
    left.set(xlabel="year", ylabel="intermediaries per unit sold")
    for role in INTERMEDIARY_ROLES:
        if f"flow_share_{role}" in m.columns:
            right.plot(m.index, m[f"flow_share_{role}"], color=ROLE_COLOURS[role],
                       label=ROLE_LABELS[role])
    right.set(xlabel="year", ylabel="share of units through the role", ylim=(0, 1.05))
    right.legend(fontsize=7)
    Figures(gen, part).add("network-metrics", fig,
                           "Supply network of the baseline run: intermediation index (left) and "
                           "share of the units sold whose supply chain passes through each "
                           "intermediary role (right), per year.")
    return part


# The experiments of experiments/ whose figures the paper shows as they are, by section, and
# whose tables the text quotes.
EXPERIMENTS: dict[str, Experiment] = {
    "replicates": Experiment("baseline_replicates", "python -m experiments.baseline",
                             values=replicates_values),
    "capability_taste": Experiment("capability_taste", "python -m experiments.capability_taste",
                                   values=capability_values),
    "discovery": Experiment("discovery", "python -m experiments.discovery",
                            values=discovery_values),
    "network": Experiment("network", "python -m experiments.network", values=network_values),
    "sensitivity": Experiment("screening", "python -m experiments.screening",
                              values=screening_values),
    "pricing": Experiment("pricing", "python -m experiments.pricing", values=pricing_values),
    "validation": Experiment("validation", "python -m experiments.pattern_validation and "
                             "python -m experiments.calibration", exclude=("bass_networks",),
                             values=validation_values, figure_commands={
                                 "patterns": "python -m experiments.pattern_validation",
                                 "calibration": "python -m experiments.calibration"}),
    "history": Experiment("history", "python -m experiments.history", values=history_values),
    "lock_in": Experiment("lock_in", "python -m experiments.lock_in", values=lock_in_values),
}


PARTS: dict[str, Callable[[Path, Path], Part]] = {
    "baseline": baseline_part,
    "network": network_part,
    "calibration": calibration_part,
    "bass": bass_part,
    "history_match": history_match_part,
    "version1": version_1_part,
}


# --- parameters and inputs --------------------------------------------------------------------
def parameter_groups() -> list[dict]:
    """The parameter table, grouped by submodel, from Scenario's own documentation."""
    docs = {row["name"]: row for row in parameter_docs()}
    groups = []
    for title, modules, names in PARAMETER_GROUPS:
        rows = []
        for name in names:
            row = docs[name]
            default = row["default"]
            rows.append({"name": name, "default": format_default(default, name),
                         "unit": row["unit"],
                         "allowed": row["allowed"], "rationale": row["rationale"],
                         "source": row["source"]})
        groups.append({"title": title, "modules": modules, "rows": rows})
    return groups


def format_default(value, name: str = "") -> str:
    """A default for the text: calendar years plain, other numbers with separators."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and name.endswith("_year"):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 1000 and value == int(value) else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def defaults() -> dict[str, str]:
    """Default of every parameter, formatted, for the ODD text (Initialization)."""
    return {row["name"]: format_default(row["default"], row["name"]) for row in parameter_docs()}


def category_table() -> dict:
    """Demand, costs and what buyers lose by channel, per category (categories.csv)."""
    cats = load_categories()
    rows = [[label(n), label(cats.stores.names[cats.store_type[i]]),
             f"{cats.purchases_per_year[i]:g}", f"{cats.items_per_purchase[i]:g}",
             f"{cats.unit_cost[i]:g}", f"{cats.bulk[i]:g}", f"{cats.long_tail[i]:g}",
             f"{cats.store_coverage[i]:g}", f"{cats.listing_reach[i]:g}",
             f"{cats.touch[i]:g}", f"{cats.personalisation[i]:g}"]
            for i, n in enumerate(cats.names)]
    return {"columns": ["category", "store type", "purchases / hh / yr", "items / purchase",
                        "unit cost ($)", "bulk", "long tail", "store coverage",
                        "listing reach", "touch", "personal-isation"],
            "rows": rows,
            "caption": "Product categories (market_abm/data/categories.csv): demand, costs, "
                       "store type, and what an exact match, the online listing and "
                       "inspection are worth (units in market_abm/data/README.md)."}


def printing_table() -> dict:
    """Printing properties of the printable categories (categories.csv)."""
    cats = load_categories()
    rows = [[label(n), f"{cats.printability[i]:.2f}", f"{cats.print_quality_max[i]:g}",
             f"{cats.printable_share[i]:g}", f"{cats.material_cost[i]:g}",
             f"{cats.print_hours[i]:g}"]
            for i, n in enumerate(cats.names) if cats.printable[i]]
    others = ", ".join(label(n) for i, n in enumerate(cats.names) if not cats.printable[i])
    return {"columns": ["category", "printability", "best quality", "printable share",
                        "material ($ / item)", "print hours / item"],
            "rows": rows,
            "caption": "Printing properties of the printable categories, in order of "
                       f"printability (categories.csv); never printable: {others}."}


def store_type_table() -> dict:
    """Store types (store_types.csv)."""
    stores = load_categories().stores
    scale = Scenario().store_cost_scale
    rows = [[label(n), stores.naics[t], f"{stores.margin[t]:g}",
             money(stores.fixed_cost[t] * scale)] for t, n in enumerate(stores.names)]
    return {"columns": ["store type", "NAICS", "margin (fraction of landed cost)",
                        "fixed cost ($ / year)"],
            "rows": rows,
            "caption": "Store types (market_abm/data/store_types.csv), fixed costs at the "
                       "default store_cost_scale."}


def model_facts() -> dict[str, str]:
    """Counts and sums the ODD text quotes from the package itself (not from results)."""
    cats = load_categories()
    threshold, v1, calibrated = lock_in_constants()
    base = Scenario()
    return {"n_categories": str(len(cats)), "n_store_types": str(len(cats.stores)),
            "n_printable": str(int(cats.printable.sum())),
            "roles": ", ".join(ROLE_LABELS[r] for r in FIRM_ROLES),
            "n_roles": str(len(FIRM_ROLES)),
            "conformity": f"{calibrated:g}", "threshold": f"{threshold:g}",
            "to_threshold": pct(threshold / calibrated - 1.0, 0) if calibrated > 0 else "n/a",
            "v1_conformity": f"{v1:g}",
            "households_per_customer": num(base.population_households / base.n_customers),
            "habit_step_weight": f"1 / ({format_default(base.habit_memory)} × purchases a "
                                 "year)",
            "alternatives": str(len(patterns.ALTERNATIVES)),
            "cal_params": " and ".join(DEFAULT_PARAMS.get("spend_share_online", {})) or "none",
            "census_tolerance": points(patterns.CENSUS_TOLERANCE).replace(
                " percentage points", " percentage point"),
            "freeze_year": str(patterns.FREEZE_YEAR)}


# --- build ------------------------------------------------------------------------------------
def collect(results: Path, gen: Path) -> dict:
    """Every part, the parameter table and the inputs, as the JSON the paper reads."""
    gen.mkdir(parents=True, exist_ok=True)
    for old in list(gen.glob("*.svg")) + list(gen.glob("*.png")):
        old.unlink()
    parts = {name: fn(results, gen).as_json() for name, fn in PARTS.items()}
    for name, exp in EXPERIMENTS.items():
        parts[f"exp_{name}"] = experiment_part(results, gen, exp).as_json()
    try:
        shown = str(Path(results).resolve().relative_to(REPO))
    except ValueError:
        shown = str(results)
    return {"parts": parts, "parameters": parameter_groups(), "defaults": defaults(),
            "categories": category_table(), "printing": printing_table(),
            "store_types": store_type_table(), "model": model_facts(),
            "odd_elements": list(ODD_ELEMENTS),
            "results_dir": shown}


def compile_pdf(source: Path, gen: Path, out: Path) -> None:
    """Compile ``source`` with the typst wheel; the generated folder is passed as an input."""
    import typst

    out.parent.mkdir(parents=True, exist_ok=True)
    typst.compile(str(source), output=str(out), root="/",
                  sys_inputs={"generated": str(gen.resolve())})


def build(results: Path = REPO / "results", out: Path = PAPER_DIR / "paper.pdf",
          gen: Path = PAPER_DIR / "generated") -> dict:
    """Write the generated folder from ``results`` and compile the PDF; returns values.json."""
    values = collect(Path(results), Path(gen))
    (Path(gen) / "values.json").write_text(json.dumps(values, indent=1) + "\n")
    compile_pdf(PAPER_DIR / "paper.typ", Path(gen), Path(out))
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / "results",
                        help="results folder to read (default: results/)")
    parser.add_argument("--out", type=Path, default=PAPER_DIR / "paper.pdf",
                        help="PDF to write (default: paper/paper.pdf)")
    parser.add_argument("--generated", type=Path, default=PAPER_DIR / "generated",
                        help="folder for values.json and figures (default: paper/generated)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    values = build(args.results, args.out, args.generated)
    for name, part in values["parts"].items():
        state = "built" if part["available"] else (
            f"skipped: {part['note']} Produce it with: {part['command']}".strip())
        print(f"  {name:22s} {state}")
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
