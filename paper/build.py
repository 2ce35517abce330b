"""Build the paper: numbers, figures and tables from results/, then paper.pdf with Typst.

No number the paper quotes about model behaviour is typed by hand: this script reads the
result folders, writes ``values.json`` (every quoted number, already formatted), the figures
and the parameter table into the generated folder, and compiles ``paper.typ`` with the
``typst`` wheel (offline). A part whose results folder is missing is not an error: the PDF
says which command produces it.

    python -m paper.build [--results results] [--out paper/paper.pdf] [--generated DIR]

Parts and the result folders they read (``PARTS``): the baseline run (``results/baseline``,
``market-abm run``), the calibration comparison (baseline plus the US Census series in
``experiments/data``), the Bass docking (``results/validation/bass_networks.csv``) and one generic
part per experiment of ``experiments/`` that includes that experiment's figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm import history  # noqa: E402
from market_abm.categories import load_categories  # noqa: E402
from market_abm.market import CHANNELS  # noqa: E402
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
# and name the module that uses the parameter. tests/test_paper.py fails when a parameter of
# Scenario is missing here (or listed here and gone from Scenario).
PARAMETER_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Time, scale and population", "scenario.py, model.py, agents/customers.py", (
        "start_year", "end_year", "steps_per_year", "n_customers", "population_households",
        "n_producers", "n_retailers", "n_logisticians", "region_size_km", "segment_grid")),
    ("Social network", "social.py", (
        "social_network", "social_degree", "social_rewiring")),
    ("Technology", "technology.py", (
        "printer_capability_start", "printer_capability_growth", "pro_capability_lead_years",
        "printer_price_start", "printer_price_floor", "printer_learning_rate",
        "printer_initial_cumulative")),
    ("Diffusion of internet access and printers", "adoption.py", (
        "printer_lifetime", "printer_enjoyment", "adoption_steepness", "adoption_model",
        "bass_p", "bass_q", "internet_start_year", "internet_p", "internet_q")),
    ("Channel choice", "market.py, agents/customers.py", (
        "price_sensitivity", "sensitivity_spread", "time_value", "travel_cost_per_km",
        "trip_time_cost", "items_per_trip", "personalisation_taste", "habit_weight",
        "habit_memory", "social_weight", "online_delay_days", "print_service_delay_days",
        "home_print_effort", "print_hassle_spread", "print_failure_scale")),
    ("Producers", "pricing.py, clearing.py, model.py, review.py", (
        "producer_markup", "dynamic_pricing", "price_adjustment", "target_utilisation",
        "on_demand_premium", "inventory_cover_months", "holding_cost", "producer_fixed_cost",
        "web_shop_cost", "design_catalogue_cost", "design_price_share")),
    ("Logistics", "pricing.py, clearing.py, review.py", (
        "bulk_cost", "parcel_cost", "parcel_bulk_cost", "parcel_scale_elasticity",
        "parcel_reference_volume", "parcel_cost_cap", "logistics_margin",
        "logistician_fixed_cost", "material_bulk", "material_margin")),
    ("Retail and firm finance", "pricing.py, agents/base.py, review.py", (
        "retail_margin", "retailer_fixed_cost", "fixed_cost_spread", "cash_reserve_years")),
    ("Platforms, print hubs and entry", "pricing.py, clearing.py, review.py", (
        "platform_commission", "platform_fixed_cost", "network_effect", "designs_per_sale",
        "platform_seed_catalogue", "max_entries_per_year", "hub_fixed_cost", "hub_margin",
        "machine_cost_per_hour", "pro_speedup", "conversion_cost", "evaluation_sample")),
)

CHANNEL_LABELS = {"retail": "retail store", "online": "online, home delivery",
                  "home_print": "home printing", "print_service": "print service"}
CHANNEL_COLOURS = {"retail": "#8c564b", "online": "#1f77b4", "home_print": "#2ca02c",
                   "print_service": "#ff7f0e"}
ROLE_LABELS = {"producer": "producers", "logistician": "logisticians",
               "retailer": "retailers", "platform": "3D platforms", "print_hub": "print hubs"}
ROLE_COLOURS = {"producer": "#555555", "logistician": "#9467bd", "retailer": "#8c564b",
                "platform": "#2ca02c", "print_hub": "#ff7f0e", "customers": "#1f77b4"}

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
    """Yearly means of a step table, plus the yearly sums of the event columns."""
    y = ts.groupby("year").mean(numeric_only=True)
    events = [c for c in ts.columns if c.startswith(("exits_", "entries_", "conversions_"))]
    y[events] = ts.groupby("year")[events].sum()
    y["share_printed"] = y["share_home_print"] + y["share_print_service"]
    return y


class Years:
    """Values of a yearly table at given years, with a readable fallback outside the run."""

    def __init__(self, y: pd.DataFrame):
        self.y = y
        self.last = int(y.index.max())
        self.first = int(y.index.min())

    def at(self, year: int, column: str, fmt: Callable[[float], str] = pct) -> str:
        if year not in self.y.index:
            return f"n/a (the run covers {self.first}-{self.last})"
        return fmt(float(self.y.loc[year, column]))

    def first_year(self, column: str, threshold: float) -> str:
        """'in YEAR' for the first year ``column`` reaches ``threshold``, else a phrase."""
        hit = self.y.index[self.y[column] >= threshold]
        return f"in {int(hit[0])}" if len(hit) else f"at no time up to {self.last}"


def years_after(y: pd.DataFrame, column: str, threshold: float, start: int) -> str:
    """'N years after START' for the first year ``column`` reaches ``threshold``."""
    hit = y.index[(y[column] >= threshold) & (y.index >= start)]
    if not len(hit):
        return f"not within the run (which ends in {int(y.index.max())})"
    return f"{int(hit[0]) - start} years after internet access starts spreading ({start})"


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
    v = {
        "seed": str(man.get("seed", "unknown")),
        "n_customers": num(sc.get("n_customers", float("nan"))),
        "first_year": str(yr.first), "last_year": str(yr.last),
        "git_commit": str(man.get("git_commit", "unknown"))[:12],
        "retail_min_before_internet": pct(pre["share_retail"].min()) if len(pre) else
        "n/a (no year before internet access)",
        "online_1995": yr.at(1995, "share_online"), "online_2000": yr.at(2000, "share_online"),
        "online_2005": yr.at(2005, "share_online"), "online_2010": yr.at(2010, "share_online"),
        "online_2020": yr.at(2020, "share_online"), "online_2050": yr.at(2050, "share_online"),
        "online_1pct_when": yr.first_year("share_online", 0.01),
        "online_5pct_when": yr.first_year("share_online", 0.05),
        "online_5pct_after": years_after(y, "share_online", 0.05, net_start),
        "internet_2000": yr.at(2000, "internet_share"),
        "internet_2010": yr.at(2010, "internet_share"),
        "printed_2015": yr.at(2015, "share_printed"),
        "printed_2030": yr.at(2030, "share_printed"),
        "printed_2050": yr.at(2050, "share_printed"),
        "home_print_2050": yr.at(2050, "share_home_print"),
        "print_service_max": pct(y["share_print_service"].max()),
        "printed_1pct_when": yr.first_year("share_printed", 0.01),
        "printed_10pct_when": yr.first_year("share_printed", 0.10),
        "retail_2050": yr.at(2050, "share_retail"),
        "owners_2030": yr.at(2030, "printer_owner_share"),
        "owners_2050": yr.at(2050, "printer_owner_share"),
        "capability_2015": yr.at(2015, "printer_capability", lambda x: f"{x:.2f}"),
        "capability_2050": yr.at(2050, "printer_capability", lambda x: f"{x:.2f}"),
        "price_2015": yr.at(2015, "printer_price", money),
        "price_2030": yr.at(2030, "printer_price", money),
        "price_2050": yr.at(2050, "printer_price", money),
        "retailers_start": num(y["active_retailers"].iloc[0]),
        "retailers_before_internet": yr.at(net_start - 1, "active_retailers", num),
        "retailers_2000": yr.at(2000, "active_retailers", num),
        "retailers_2050": yr.at(2050, "active_retailers", num),
        "logistics_per_unit_2000": yr.at(2000, "logistics_volume_per_unit",
                                         lambda x: f"{x:.2f}"),
        "logistics_per_unit_2050": yr.at(2050, "logistics_volume_per_unit",
                                         lambda x: f"{x:.2f}"),
        "revenue_retailer_2000": yr.at(2000, "revenue_share_retailer"),
        "revenue_retailer_2050": yr.at(2050, "revenue_share_retailer"),
        "revenue_new_2050": pct(float(y.loc[yr.last, "revenue_share_platform"]
                                      + y.loc[yr.last, "revenue_share_print_hub"])),
        "platform_first_when": yr.first_year("active_platforms", 1),
        "hub_first_when": yr.first_year("active_print_hubs", 1),
        "platforms_end": count(y["active_platforms"].iloc[-1], "platform"),
        "hubs_end": count(y["active_print_hubs"].iloc[-1], "hub"),
        "retailer_exits": num(y["exits_retailer"].sum()),
        "conversions": num(y["conversions_retailer"].sum()),
        "hub_entries": num(y["entries_print_hub"].sum()),
        "logistician_exits": count(y["exits_logistician"].sum(), "carrier"),
        "pivoted_end": num(y["pivoted_logisticians"].iloc[-1]),
        "logisticians_end": num(y["active_logisticians"].iloc[-1]),
    }
    v.update(tipping_order(y))
    part.values = v
    figs = Figures(gen, part)
    figs.add("baseline-channels", channel_figure(y),
             f"Channel shares of the units bought, baseline run (seed {v['seed']}, "
             f"{v['n_customers']} customer agents), yearly means.")
    figs.add("baseline-firms", firms_figure(y),
             "Active firms by role (left, symmetric log scale) and bulk carried by "
             "logisticians per unit sold (right), baseline run.")
    figs.add("baseline-technology", technology_figure(y),
             "Exogenous capability frontier of home and professional printers with the "
             "categories' printability thresholds (left); endogenous printer price from the "
             "learning curve, and shares of households with internet access and with a "
             "printer (right), baseline run.")
    figs.add("baseline-categories", categories_figure(y),
             "Share of each category's units printed (home printing plus print service), "
             "baseline run.")
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
    part.tables["patterns"] = pattern_table(ts, sc)
    return part


def pattern_table(ts: pd.DataFrame, scenario: dict) -> dict:
    """Patterns 1-5 (market_abm.patterns) checked on this one run."""
    from market_abm.patterns import baseline_patterns
    from market_abm.plots import yearly as plain_yearly
    from market_abm.scenario import make_scenario

    y = plain_yearly(ts)
    try:
        rows = [[name, "yes" if ok else "no"] for name, ok in
                baseline_patterns(y, make_scenario(scenario), load_categories()).items()]
    except (KeyError, ValueError, TypeError) as err:  # a run too short for the checks
        rows = [["patterns 1-5", f"not evaluable on this run ({type(err).__name__}: the "
                                 f"checks need the years up to 2050)"]]
    return {"columns": ["pattern (market_abm/patterns.py)", "reproduced by this run"],
            "rows": rows,
            "caption": "Patterns 1-5 checked on the baseline run of Section 4.1 (pattern 6 "
                       "needs a run without capability growth)."}


def tipping_years(y: pd.DataFrame, threshold: float = 0.10) -> dict[str, int | None]:
    """First year each category's printed share reaches ``threshold`` (None if never)."""
    out = {}
    for name in load_categories().names:
        hit = y.index[y[f"printed_share_{name}"] >= threshold]
        out[name] = int(hit[0]) if len(hit) else None
    return out


def tipping_order(y: pd.DataFrame) -> dict[str, str]:
    """How closely categories tip (printed share passes 10 %) in order of printability."""
    cats = load_categories()
    years = tipping_years(y)
    tipped = [n for n in cats.names if years[n] is not None]
    label = {n: n.replace("_", " ") for n in cats.names}
    early = [label[n] for i, n in enumerate(cats.names) if years[n] is not None
             and any(years[m] is None or years[m] > years[n] for m in cats.names[:i])]
    if len(tipped) >= 3:
        rank = pd.Series({n: years[n] for n in tipped})
        thr = pd.Series(dict(zip(cats.names, cats.printability, strict=True)))[tipped]
        rho = f"{rank.rank().corr(thr.rank()):.2f}"
    else:
        rho = "not defined (fewer than three categories pass 10\u00a0%)"
    return {"tipped": f"{len(tipped)} of {len(cats)}", "tipping_rho": rho,
            "tipping_first": ", ".join(label[n] for n in tipped
                                       if years[n] == min(years[m] for m in tipped))
            if tipped else "none",
            "tipping_early": ", ".join(early) if early else "none"}


def tipping_table(y: pd.DataFrame) -> dict:
    cats = load_categories()
    rows = []
    for name, thr in zip(cats.names, cats.printability, strict=True):
        col = y[f"printed_share_{name}"]
        hit = y.index[col >= 0.10]
        rows.append([name.replace("_", " "), f"{thr:.2f}",
                     str(int(hit[0])) if len(hit) else f"not by {int(y.index.max())}",
                     pct(float(col.iloc[-1]))])
    return {"columns": ["category", "printability", "printed share passes 10 %",
                        f"printed share {int(y.index.max())}"], "rows": rows,
            "caption": "Categories in order of printability and the year their printed "
                       "share (home printing plus print service) first passes 10 %, "
                       "baseline run."}


def channel_figure(y: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 3.2), constrained_layout=True)
    ax.stackplot(y.index, [y[f"share_{c}"] for c in CHANNELS],
                 labels=[CHANNEL_LABELS[c] for c in CHANNELS],
                 colors=[CHANNEL_COLOURS[c] for c in CHANNELS])
    ax.set(xlabel="year", ylabel="share of units bought", ylim=(0, 1),
           xlim=(y.index.min(), y.index.max()))
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    return fig


def firms_figure(y: pd.DataFrame) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 2.8), constrained_layout=True)
    for role, label in ROLE_LABELS.items():
        left.plot(y.index, y[f"active_{role}s"], label=label, color=ROLE_COLOURS[role])
    left.set(xlabel="year", ylabel="active firms", yscale="symlog")
    left.legend(fontsize=7)
    right.plot(y.index, y["logistics_volume_per_unit"], color=ROLE_COLOURS["logistician"])
    right.set(xlabel="year", ylabel="bulk carried per unit sold")
    return fig


def technology_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.5, 2.8), constrained_layout=True)
    left.plot(y.index, y["printer_capability"], label="home frontier", color="#2ca02c")
    left.plot(y.index, y["pro_capability"], label="professional", color="#ff7f0e")
    for name, thr in zip(cats.names, cats.printability, strict=True):
        left.axhline(thr, color="grey", lw=0.5, ls=":")
        left.text(y.index.min(), thr, name.replace("_", " "), fontsize=6, va="bottom",
                  color="grey")
    left.set(xlabel="year", ylabel="capability index", ylim=(0, 1))
    left.legend(fontsize=7, loc="center right")
    right.plot(y.index, y["printer_price"], color="black", label="printer price")
    right.set(xlabel="year", ylabel="printer price ($)")
    twin = right.twinx()
    twin.plot(y.index, y["internet_share"], color="#1f77b4", ls="--", label="internet access")
    twin.plot(y.index, y["printer_owner_share"], color="#2ca02c", ls="--",
              label="printer owners")
    twin.set(ylabel="share of households", ylim=(0, 1))
    twin.spines["right"].set_visible(True)
    lines = right.get_lines() + twin.get_lines()
    right.legend(lines, [ln.get_label() for ln in lines], fontsize=7, loc="center left")
    return fig


def categories_figure(y: pd.DataFrame) -> plt.Figure:
    cats = load_categories()
    fig, ax = plt.subplots(figsize=(6.5, 3.0), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    for i, name in enumerate(cats.names):
        ax.plot(y.index, y[f"printed_share_{name}"], color=cmap(i / max(len(cats) - 1, 1)),
                label=f"{name.replace('_', ' ')} ({cats.printability[i]:.2f})")
    ax.set(xlabel="year", ylabel="printed share of units", ylim=(0, 1))
    ax.legend(fontsize=7, ncol=2, title="category (printability)", title_fontsize=7)
    return fig


def revenue_figure(y: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 2.8), constrained_layout=True)
    for role, label in ROLE_LABELS.items():
        ax.plot(y.index, y[f"revenue_share_{role}"], label=label, color=ROLE_COLOURS[role])
    ax.set(xlabel="year", ylabel="share of customer spending")
    ax.legend(fontsize=7)
    return fig


NETWORK_POS = {"producer": (0.0, 0.5), "logistician": (1.0, 0.8), "platform": (1.0, 0.2),
               "retailer": (2.0, 0.95), "print_hub": (2.0, 0.05), "customers": (3.0, 0.5)}


def network_figure(flows: pd.DataFrame, years: list[int]) -> plt.Figure:
    fig, axes = plt.subplots(1, len(years), figsize=(6.5, 2.6), constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, year in zip(axes, years, strict=True):
        f = flows[flows["year"] == year]
        spend = f.loc[f["dst_role"] == "customers", "value"].sum()
        edges = f.groupby(["src_role", "dst_role"])["value"].sum() / max(spend, 1e-9)
        active = set(f["src_role"]) | set(f["dst_role"])
        for (src, dst), share in edges.items():
            (x0, y0), (x1, y1) = NETWORK_POS[src], NETWORK_POS[dst]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops={"arrowstyle": "-|>", "lw": 0.5 + 8 * share,
                                    "color": ROLE_COLOURS[src], "alpha": 0.7,
                                    "shrinkA": 12, "shrinkB": 12})
        for role, (x, yy) in NETWORK_POS.items():
            on = role in active
            ax.scatter([x], [yy], s=260, color=ROLE_COLOURS[role] if on else "white",
                       edgecolor=ROLE_COLOURS[role], zorder=3, alpha=1.0 if on else 0.4)
            ax.text(x, yy + (0.12 if yy >= 0.5 else -0.2), ROLE_LABELS.get(role, role),
                    ha="center", fontsize=7, alpha=1.0 if on else 0.4)
        ax.set_title(str(year), fontsize=9)
        ax.set(xlim=(-0.4, 3.4), ylim=(-0.25, 1.2))
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
    "validation/patterns": "Share of seeds reproducing each of the six patterns",
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
    """Pattern shares over seeds (patterns.csv) and calibration (calibration_fit.csv)."""
    v = {}
    file = folder / "patterns.csv"
    if file.is_file():
        table = pd.read_csv(file)
        v["patterns_runs"] = str(int(table["runs"].max()))
        v["patterns_all"] = "; ".join(f"{r.pattern}: {pct(r.share, 0)}"
                                      for r in table.itertuples())
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
        toml_file = folder / "calibrated_scenario.toml"
        if toml_file.is_file():
            import tomllib

            from market_abm.calibration import DEFAULT_PARAMS

            fitted = tomllib.loads(toml_file.read_text()).get("scenario", {})
            names = DEFAULT_PARAMS.get("spend_share_online", {})
            v["cal_params"] = ", ".join(f"{n} = {fitted[n]:.3g} (baseline "
                                        f"{format_default(Scenario.model_fields[n].default)})"
                                        for n in names if n in fitted) or "not recorded"
    if not v:
        return None
    for key in ("patterns_runs", "patterns_all", "cal_rmse", "cal_first", "cal_last",
                "forecast", "cal_params"):
        v.setdefault(key, "n/a (not in results/validation)")
    v["has_patterns"] = file.is_file()
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
    for role in ("logistician", "retailer", "platform", "print_hub"):
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
    "network": Experiment("network", "python -m experiments.network", values=network_values),
    "sensitivity": Experiment("screening", "python -m experiments.screening",
                              values=screening_values),
    "pricing": Experiment("pricing", "python -m experiments.pricing", values=pricing_values),
    "validation": Experiment("validation", "python -m experiments.pattern_validation and "
                             "python -m experiments.calibration", exclude=("bass_networks",),
                             values=validation_values, figure_commands={
                                 "patterns": "python -m experiments.pattern_validation",
                                 "calibration": "python -m experiments.calibration"}),
}


PARTS: dict[str, Callable[[Path, Path], Part]] = {
    "baseline": baseline_part,
    "network": network_part,
    "calibration": calibration_part,
    "bass": bass_part,
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
    cats = load_categories()
    rows = [[n.replace("_", " "), f"{cats.printability[i]:.2f}", f"{cats.unit_cost[i]:g}",
             f"{cats.bulk[i]:g}", f"{cats.personalisation[i]:g}",
             f"{cats.purchases_per_year[i]:g}", f"{cats.material_cost[i]:g}",
             f"{cats.print_hours[i]:g}"] for i, n in enumerate(cats.names)]
    return {"columns": ["category", "printability", "unit cost ($)", "bulk",
                        "personalisation", "purchases / household / year",
                        "material ($)", "print hours"],
            "rows": rows,
            "caption": "Product categories (market_abm/data/categories.csv), in order of "
                       "printability."}


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
            "categories": category_table(), "odd_elements": list(ODD_ELEMENTS),
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
