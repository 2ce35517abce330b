"""Scenario: the validated parameter set of one model run.

A scenario is built from a named preset (``baseline``, ``bass``) or a TOML/YAML file, then
overridden key by key (``--set key=value`` on the command line). Every parameter carries a
default, a unit and a rationale (``PARAMETER_DOCS`` and ``docs/parameters.md`` are generated from
the same fields). Validation errors are reported as one line naming the key and what is allowed.

Types are strict: a whole number for integer parameters, a finite number for real ones,
``true``/``false`` for switches, never a string or a boolean standing for a number. Real
parameters without a documented upper limit are capped at ``MAX_UNBOUNDED`` (1e12).

Example:
    >>> s = load_scenario("baseline", {"n_customers": 500})
    >>> s.n_customers
    500
    >>> load_scenario("baseline", {"n_customers": "500"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    market_abm.scenario.ScenarioError: n_customers: must be an integer (...), got '500'
"""

from __future__ import annotations

import functools
import inspect
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PRESETS = ("baseline", "bass")
# Largest value of a real parameter that has no documented upper limit: far beyond any
# meaningful value (a trillion households or dollars), and small enough that every product
# of money terms in the model stays finite (runs with such values at 1e150 stay finite).
MAX_UNBOUNDED = 1e12


class ScenarioError(ValueError):
    """A scenario could not be built; the message is one line for the user."""


def P(default: Any, unit: str, why: str, source: str = "", **limits: Any) -> Any:
    """A documented scenario field: default, unit, rationale, optional source and limits."""
    extra = {"unit": unit, "rationale": why, "source": source}
    return Field(default, description=why, json_schema_extra=extra, **limits)


class Scenario(BaseModel):
    """Parameters of a market_abm run. Rates are per year unless the unit says otherwise."""

    # strict: no bool or string where a number is meant; allow_inf_nan: finite numbers only
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True,
                              allow_inf_nan=False)

    # --- time -------------------------------------------------------------------------------
    start_year: int = P(1990, "calendar year", "Before the web: retail is the only channel "
                        "in use; five years of warm-up before internet_start_year.",
                        ge=1900, le=2100)
    end_year: int = P(2050, "calendar year", "Last simulated year (inclusive); far enough for "
                      "the 3D flow to unfold.", ge=1900, le=2200)
    steps_per_year: int = P(12, "steps / year", "Monthly steps: purchases are frequent, firm "
                            "reviews are yearly.", ge=1, le=365)

    # --- population and firms ---------------------------------------------------------------
    n_customers: int = P(2000, "households (rows)", "Households simulated, the rows of the "
                         "one CustomerPopulation agent; each stands for "
                         "population_households / n_customers households.", ge=10, le=5_000_000)
    population_households: float = P(200_000.0, "households", "Size of the modelled regional "
                                     "market; sets the money scale so firm economics do not "
                                     "depend on the number of agents.", gt=0)
    spending_growth: float = P(0.008, "1 / year", "Growth of real retail spending per "
                               "household: every category's shopping occasions grow at this "
                               "rate (order sizes and prices are constant). Census retail "
                               "sales deflated by the CPI-U, per household: +2.3 %/yr in "
                               "1992-1998, +0.3 %/yr in 1998-2019 and +0.8 %/yr in 1998-2021; "
                               "the rate of 1998-2021.",
                               "US Census Bureau MRTS (1992, 1998) and ARTS (2019, 2021) "
                               "retail sales; BLS CPI-U; Census CPS households "
                               "(market_abm/data/us_households.csv)", ge=-0.1, le=0.1)
    n_producers: int = P(24, "firms", "Manufacturers at the start; each makes two categories, "
                         "so every category has several competing producers.", ge=1,
                         le=10_000)
    n_logisticians: int = P(4, "firms", "Carriers serving the region at the start (bulk "
                            "delivery to the stores of 1990 pays for about four).", ge=1,
                            le=1_000)
    region_size_km: float = P(30.0, "km", "Side of the square region customers and stores "
                              "occupy; sets travel distances.", gt=0, le=1000)
    segment_grid: int = P(4, "segments per side", "Customers are grouped into a grid of "
                          "spatial segments in the supply network.", ge=1, le=100)

    # --- social network ---------------------------------------------------------------------
    social_network: Literal["watts_strogatz", "barabasi_albert", "complete"] = P(
        "watts_strogatz", "-", "Graph of social ties; complete is the mean-field case "
        "(everyone sees the population share).")
    social_degree: int = P(10, "neighbours", "Mean number of social ties per customer.",
                           "Typical personal network sizes used in diffusion ABMs "
                           "(Rand & Rust 2011).", ge=2, le=200)
    social_rewiring: float = P(0.1, "probability", "Watts-Strogatz rewiring: a small world.",
                               ge=0, le=1)

    # --- technology -------------------------------------------------------------------------
    printer_capability_start: float = P(0.03, "capability index [0,1]", "Home printer "
                                        "capability in start_year, below every category's "
                                        "printability threshold.", gt=0, lt=1)
    printer_capability_growth: float = P(0.12, "1 / year", "Logistic growth rate of the "
                                         "capability frontier; 0 freezes it. 0.12 reaches "
                                         "the easiest threshold (spare parts, 0.20) in 2007, "
                                         "as the RepRap and first kits did.",
                                         "market_abm/data/history/re_intermediation_milestones.csv",
                                         ge=0, le=2)
    capability_freeze_year: int | None = P(None, "calendar year", "The frontier stops "
                                           "growing in this year (absent: it never "
                                           "stops); a what-if on technology.",
                                           ge=1900, le=2200)
    multi_material_reach: float = P(0.0, "fraction", "How far multi-material printing "
                                    "(textiles, conductive and metal-filled materials, "
                                    "assemblies) ever widens what can be printed: the "
                                    "fraction of the gap between each category's "
                                    "printable_share and printable_share_max "
                                    "(categories.csv) that it closes at capability 1. 0, the "
                                    "default, keeps today's printable shares (the history "
                                    "fits assume it); a deep uncertainty of the discovery "
                                    "experiment.", ge=0, le=1)
    multi_material_threshold: float = P(0.85, "capability index", "Home capability from "
                                        "which multi-material printing starts to widen a "
                                        "category's printable share (or the category's own "
                                        "printability, if higher); the widening grows "
                                        "linearly to capability 1. 0.85 is reached in 2033 at "
                                        "the default growth: no consumer printer of 2024 "
                                        "prints textiles or circuits.", gt=0, lt=1)
    pro_capability_lead_years: float = P(8.0, "years", "Professional printers (print hubs) "
                                         "run this far ahead of the home frontier: online "
                                         "print services (2007) came before usable home "
                                         "printers.", "market_abm/data/history/re_intermediation_"
                                         "milestones.csv", ge=0, le=50)
    print_quality_scale: float = P(0.35, "capability index", "A printed item's quality "
                                   "approaches the category's print_quality_max as "
                                   "1 - exp(-margin / scale), margin = capability minus "
                                   "printability.", gt=0, le=1)
    print_failure_scale: float = P(0.2, "capability index", "Failed prints: the failure "
                                   "rate is exp(-margin / scale); each failure costs a "
                                   "retry.", gt=0, le=1)
    printer_price_start: float = P(2500.0, "$ / printer", "Price of a desktop printer "
                                   "before consumer sales (assembled machines of 2012 still "
                                   "sold at $1,749-2,200).",
                                   "market_abm/data/history/desktop_3d_printers.csv", gt=0)
    printer_price_floor: float = P(150.0, "$ / printer", "Asymptotic price (Ender 3 under "
                                   "$200 in 2018).",
                                   "market_abm/data/history/desktop_3d_printers.csv", ge=0)
    printer_learning_rate: float = P(0.31, "fraction / doubling", "Wright's law: the price "
                                     "premium over the floor falls by this fraction per "
                                     "doubling of world cumulative printers sold (entry "
                                     "prices: $1,749-2,200 in 2012, $200-749 in 2018; "
                                     "electronics typically learn 15-30 %); calibrated with "
                                     "the printer block (docs/validation.md, section 1).",
                                     "market_abm/data/history/desktop_3d_printers.csv", ge=0, lt=1)
    world_printers_start: float = P(20_000.0, "printers", "World cumulative desktop printers "
                                    "sold before the first consumer sales (RepRap and kits): "
                                    "the learning curve's origin.",
                                    "market_abm/data/history/desktop_3d_printers.csv", gt=0)
    world_households: float = P(360e6, "households", "Households of the world market for "
                                "desktop printers that the region is a sample of: printer "
                                "sales per household times this gives world sales, which "
                                "move the price for every region alike (a global learning "
                                "curve); design catalogues grow with the world's printers "
                                "in use (its owners sharing designs). A documented "
                                "assumption: US households (126.2 million in 2017) over the "
                                "US share of world desktop printer sales, taken as 0.35 (the "
                                "Americas took 42 % of 3D printer shipments in 2014; the "
                                "sources give no US share).",
                                "Census CPS via FRED TTLHH; Canalys 2015 (via TechMonitor); "
                                "market_abm/data/history/desktop_3d_printers.csv", gt=0)
    printer_price_model: Literal["world_learning", "by_date"] = P(
        "world_learning", "-", "world_learning: the price falls along Wright's law on world "
        "printers sold (printer_learning_rate); by_date: the rival of a price that falls "
        "with calendar time alone, the decline fitted to the observed entry prices "
        "(technology.price_by_date), whatever the printers sold.",
        "market_abm/data/history/desktop_3d_printers.csv")
    printer_lifetime: float = P(5.0, "years", "Mean printer life; owners then replace or "
                                "quit.", gt=0, le=100)

    # --- printer adoption -------------------------------------------------------------------
    adoption_model: Literal["economic", "bass"] = P(
        "economic", "-", "economic: Bass hazard filtered by value against price; bass: pure "
        "Bass (p + q F), for docking.")
    maker_share: float = P(0.009, "fraction of households", "Hobbyists who enjoy making "
                           "things: they value a printer for itself and mind printing's "
                           "hassle little; calibrated to world printer sales 2011-2015 and "
                           "to fewer than 5 % of households owning a printer in 2024 "
                           "(docs/validation.md, section 1).", ge=0, le=1)
    maker_enjoyment: float = P(850.0, "$ / year", "Mean yearly value a maker draws from "
                               "owning a printer (exponential across makers; others draw "
                               "none), once the frontier prints any category at all: a "
                               "printer that prints nothing is no hobby (calibrated with "
                               "maker_share).", ge=0)
    maker_hassle: float = P(0.2, "multiple", "A maker's attention cost of a print relative "
                            "to the household's own.", ge=0, le=1)
    adoption_steepness: float = P(5.6, "-", "Exponent k of the attractiveness filter "
                                  "a^k / (1 + a^k), a = value over life / price: at 5.6 a "
                                  "printer worth less than its price is rarely bought "
                                  "(calibrated with maker_share).", gt=0, le=20)
    bass_p: float = P(0.03, "1 / year", "Innovation coefficient of printer adoption.",
                      "Sultan, Farley & Lehmann 1990 (mean of 213 applications)", ge=0, le=12)
    bass_q: float = P(0.27, "1 / year", "Imitation coefficient of printer adoption: "
                      "calibrated with maker_share (the mean of 213 applications is 0.38).",
                      "Sultan, Farley & Lehmann 1990", ge=0, le=12)

    # --- internet ---------------------------------------------------------------------------
    internet_start_year: int = P(1995, "calendar year", "Year household internet access "
                                 "starts spreading (commercial web).", ge=1900, le=2200)
    internet_p: float = P(0.04, "1 / year", "Innovation rate of internet access (fitted with "
                          "internet_q and internet_reluctance to the CPS series 1997-2014, "
                          "RMSE 0.03).", "market_abm/data/history/us_internet_households.csv",
                          ge=0, le=12)
    internet_q: float = P(0.8, "1 / year", "Imitation rate of internet access (fitted, see "
                          "internet_p).", "market_abm/data/history/us_internet_households.csv",
                          ge=0, le=12)
    internet_reluctance: float = P(2.0, "variance", "Households differ in how readily they "
                                   "connect: each one's hazard is multiplied by a gamma "
                                   "draw of mean 1 and this variance (0: all alike). Access "
                                   "in the US rose fast to half the households by 2001, "
                                   "then slowly (80 % in 2014).",
                                   "market_abm/data/history/us_internet_households.csv",
                                   ge=0, le=20)

    # --- mobile access ---------------------------------------------------------------------
    smartphone_start_year: int = P(2007, "calendar year", "Year smartphones start spreading "
                                   "among connected households (the iPhone, 2007).",
                                   ge=1900, le=2200)
    smartphone_p: float = P(0.035, "1 / year", "Innovation rate of smartphone ownership "
                            "(fitted with smartphone_q to Pew's adults owning a smartphone, "
                            "2011-2024).",
                            "market_abm/data/history/us_adults_owning_smartphone.csv",
                            ge=0, le=12)
    smartphone_q: float = P(0.7, "1 / year", "Imitation rate of smartphone ownership "
                            "(fitted, see smartphone_p).",
                            "market_abm/data/history/us_adults_owning_smartphone.csv",
                            ge=0, le=12)
    smartphone_reluctance: float = P(1.0, "variance", "Households differ in how readily "
                                     "they get a smartphone: the hazard is multiplied by a "
                                     "gamma draw of mean 1 and this variance (fitted with "
                                     "smartphone_p and smartphone_q).",
                                     "market_abm/data/history/us_adults_owning_smartphone.csv",
                                     ge=0, le=20)
    online_order_effort: float = P(6.3, "$ / order", "Time an online order takes the mean "
                                   "household on a computer (finding the item, comparing, "
                                   "checking out, being home for the delivery): about half "
                                   "an hour at the leisure value of time of trip_time_cost "
                                   "($12/h); scaled by income. Calibrated with the online "
                                   "block (docs/validation.md, section 1).", ge=0)
    mobile_order_saving: float = P(0.6, "fraction", "Share of that effort a smartphone "
                                   "saves (ordering anywhere, stored payment, one tap): set so "
                                   "that a household that gets a smartphone orders online "
                                   "about 21 % more often, the effect of adopting a retailer's "
                                   "app measured by Narang & Shankar (2019).",
                                   "Narang & Shankar 2019, Marketing Science 38(5)", ge=0,
                                   le=1)

    # --- customer choice --------------------------------------------------------------------
    decisions_per_category: float = P(1.5, "decisions / household / category / year",
                                      "Channel decisions simulated per household and "
                                      "category a year: a category with more shopping "
                                      "occasions (categories.csv) takes them in batches "
                                      "on one channel. A decision is what a step costs, "
                                      "so this sets the speed; channel shares do not "
                                      "depend on it in expectation (tested).", gt=0, le=1000)
    price_sensitivity: float = P(6.0, "utility / relative price", "Logit weight on generalised "
                                 "cost divided by the purchase's value at reference prices.",
                                 gt=0, le=100)
    sensitivity_spread: float = P(0.3, "log-sd", "Heterogeneity of price sensitivity "
                                  "(lognormal).", ge=0, le=3)
    time_value: float = P(1.85, "$ / day", "Mean cost of waiting one day for a purchase; "
                          "each purchase scales it by an exponential urgency draw (mean 1), "
                          "so some purchases are needed today (calibrated with the online "
                          "block).", ge=0)
    travel_cost_per_km: float = P(0.6, "$ / km", "Car cost and time per km of a shopping "
                                  "trip.", ge=0)
    trip_time_cost: float = P(6.0, "$ / trip", "Time in the store and parking: about half an "
                              "hour at a leisure value of time of ~$12/h.", ge=0)
    purchases_per_trip: float = P(2.0, "purchases", "Purchases (of different categories) "
                                  "made on one shopping trip, sharing its cost.", gt=0)
    variety_value: float = P(2.1, "multiple", "Scales every category's long_tail: the value "
                             "of finding the exact item wanted (Brynjolfsson, Hu & Smith "
                             "2003: most of the online gain in books came from variety); "
                             "calibrated with the online block.",
                             "Brynjolfsson, Hu & Smith 2003", ge=0, le=10)
    inspection_value: float = P(1.36, "multiple", "Scales every category's touch: the value "
                                "lost buying without seeing or trying (calibrated with the "
                                "online block).", ge=0, le=10)
    inspection_learning: float = P(0.17, "fraction / doubling", "Buying unseen costs less as "
                                   "a category sells online (reviews, size guides, free "
                                   "returns): the touch cost falls by this fraction per "
                                   "doubling of the online orders placed per household.",
                                   "Chevalier & Mayzlin 2006 (reviews move online sales)",
                                   ge=0, lt=1)
    inspection_experience: float = P(3.0, "orders / household", "Online orders of a "
                                     "category placed per household before that learning "
                                     "starts.", gt=0)
    personalisation_taste: float = P(0.25, "fraction of price", "Mean value of a perfect fit "
                                     "as a fraction of the reference price, times the "
                                     "category's personalisation value.", ge=0, le=5)
    uniform_category_fit: bool = P(False, "-", "The rival of 'price and size alone': every "
                                   "category's long_tail, store_coverage, listing_reach and "
                                   "touch set to their spending-weighted means (categories "
                                   "then differ in price, order size, bulk and printability "
                                   "only); false keeps categories.csv.")
    habit_weight: float = P(0.66, "utility", "Switching cost: weight of the customer's own "
                            "past channel use, which depreciates over habit_memory. With "
                            "social_weight (sum 1.37) below 2, the mean-field lock-in "
                            "threshold (Brock & Durlauf 2001): no second, low equilibrium "
                            "of online use (calibrated with the online block).",
                            "Brock & Durlauf 2001", ge=0, le=50)
    habit_memory: float = P(5.0, "years", "Time constant of the habit memory.", gt=0, le=100)
    social_weight: float = P(0.71, "utility", "Weight of the share of social neighbours "
                             "using a channel: calibrated above the habit weight, because "
                             "online shopping in 1999-2009 rose slowly at first and faster "
                             "as it spread (a habit-led inertia rises fast, then flattens).",
                             "market_abm/data/history/us_ecommerce_share_1999_2009.csv",
                             ge=0, le=50)

    # --- online selling and delivery --------------------------------------------------------
    online_margin: float = P(0.25, "fraction of producer price", "Margin of a web shop over "
                             "the producer price: it does a store's job, so online prices "
                             "stay close to shop prices (9-16 % lower for books and CDs in "
                             "1998-99, Brynjolfsson & Smith 2000).",
                             "Brynjolfsson & Smith 2000, Management Science 46(4)", ge=0, le=5)
    online_handling: float = P(0.15, "fraction of unit cost", "A web shop's own cost per item "
                               "sold (picking, packing, customer service, returns), paid out "
                               "of that margin.", ge=0, le=5)
    online_delay_days: float = P(6.0, "days", "Home delivery lead time from a carrier with "
                                 "one depot; it falls with depots (delivery_speedup).",
                                 ge=0, le=60)
    delivery_speedup: float = P(0.8, "-", "Delivery time falls as depots^-e: fulfilment "
                                "capacity near customers (Houde, Newberry & Seim 2017).",
                                "NBER w23361", ge=0, le=3)
    depot_capacity: float = P(290_000.0, "parcels / year", "Parcels one depot handles "
                              "(about a thousand a working day); carriers add a depot when "
                              "their volume exceeds it and the depot pays (calibrated with "
                              "the online block).", gt=0)
    depot_cost: float = P(100_000.0, "$ / year", "Regional share of running one more "
                          "fulfilment depot.", ge=0)
    online_return_rate: float = P(0.165, "fraction of online orders", "Online orders sent "
                                  "back, each a parcel of its own (Pitney Bowes counts parcels "
                                  "shipped, received and returned); the web shops' cost of "
                                  "returns is in online_handling. NRF: online returns were "
                                  "20.8 % of online sales in 2021 and 16.5 % in 2022.",
                                  "National Retail Federation and Appriss Retail, returns "
                                  "reports 2021-2022", ge=0, le=1)
    print_service_delay_days: float = P(2.0, "days", "Print hub turnaround.", ge=0, le=60)

    # --- producers --------------------------------------------------------------------------
    producer_markup: float = P(0.4, "fraction of unit cost", "Initial markup over unit cost.",
                               ge=0, le=10)
    dynamic_pricing: bool = P(True, "-", "Producers move markups with capacity use; False "
                              "keeps them fixed (for comparison).")
    price_adjustment: float = P(0.3, "1 / year", "Speed of markup change per unit of excess "
                                "capacity use.", ge=0, le=10)
    target_utilisation: float = P(0.85, "fraction", "Capacity use producers aim at.", gt=0,
                                  le=1)
    on_demand_premium: float = P(0.15, "fraction of unit cost", "Extra unit cost of on-demand "
                                 "production with conventional tools for the average "
                                 "producer; it shrinks as professional printing capability "
                                 "grows.", ge=0, le=5)
    on_demand_spread: float = P(0.5, "fraction", "Firm-to-firm spread of that premium "
                                "(uniform +/-), so producers switch in different years.",
                                ge=0, lt=1)
    inventory_cover_months: float = P(2.0, "months of sales", "Stock a mass producer holds.",
                                      ge=0, le=24)
    holding_cost: float = P(0.25, "fraction of unit cost / year", "Inventory carrying and "
                            "obsolescence cost of mass production.", ge=0, le=5)
    producer_fixed_cost: float = P(150_000.0, "$ / year", "Overheads of an established "
                                   "producer.", ge=0)
    online_seller_fixed_cost: float = P(500_000.0, "$ / year", "Regional share of the "
                                        "overheads of a seller that sells only online (an "
                                        "e-tailer or a direct brand): a large firm, so a "
                                        "category has tens of them, not thousands.", ge=0)
    designer_fixed_cost: float = P(200_000.0, "$ / year", "Regional share of the overheads of "
                                   "a brand that sells only printable designs.", ge=0)
    web_shop_cost: float = P(20_000.0, "$ / year", "Regional share of running a direct "
                             "online shop.", ge=0)
    design_catalogue_cost: float = P(2_000.0, "$ / year / category", "Regional share of "
                                     "digitising and maintaining a category's printable "
                                     "designs.", ge=0)
    design_price_share: float = P(0.15, "fraction of reference price", "Price of a printable "
                                  "design relative to the product's shop price.", ge=0, le=5)

    # --- logistics --------------------------------------------------------------------------
    bulk_cost: float = P(0.8, "$ / bulk unit", "Carrying one bulk unit to a store (full "
                         "truckloads).", ge=0)
    parcel_cost: float = P(4.7, "$ / parcel", "Home delivery of one parcel at the reference "
                           "volume (calibrated with the online block; US carriers earned "
                           "$198 bn on 21.2 bn parcels in 2022, $9.3 a parcel at 2022 "
                           "prices).", "Pitney Bowes Parcel Shipping Index 2023", ge=0)
    parcel_bulk_cost: float = P(1.0, "$ / bulk unit", "Extra home-delivery cost per bulk "
                                "unit in the parcel.", ge=0)
    parcel_scale_elasticity: float = P(0.25, "-", "Parcel cost falls as (volume / reference) "
                                       "to this power: density economies of home delivery.",
                                       ge=0, le=1)
    parcel_reference_volume: float = P(700_000.0, "parcels / year", "A carrier's volume "
                                       "at which parcel_cost applies (calibrated with the "
                                       "online block).", gt=0)
    parcel_cost_cap: float = P(3.0, "multiple", "Highest parcel cost multiple at tiny "
                               "volume.", ge=1, le=100)
    logistics_margin: float = P(0.08, "fraction of cost", "Carrier margin.", ge=0, le=5)
    logistician_fixed_cost: float = P(250_000.0, "$ / year", "Regional share of a carrier's "
                                      "overheads besides its depots.", ge=0)

    # --- material supply --------------------------------------------------------------------
    material_margin: float = P(0.5, "fraction of material cost", "Markup of material "
                               "suppliers over the material's cost, delivery included.",
                               ge=0, le=10)
    material_spool_price: float = P(20.0, "$ / spool", "Price of a 1 kg spool of filament "
                                    "bought online, delivered in one small parcel: before "
                                    "a specialist supplier is active in the region, home "
                                    "printers buy material online and a print's share of "
                                    "that parcel is its material cost over this price "
                                    "(1 kg of PLA sold at about $20 in 2018).",
                                    "vendor prices of 1 kg PLA spools", gt=0)
    material_supplier_fixed_cost: float = P(300_000.0, "$ / year", "Regional share of a "
                                            "material supplier's overheads.", ge=0)

    # --- retail -----------------------------------------------------------------------------
    store_cost_scale: float = P(1.0, "multiple", "Scales every store type's fixed cost "
                                "(data/store_types.csv).", gt=0, le=100)
    fixed_cost_spread: float = P(0.2, "fraction", "Firm-to-firm spread of fixed costs "
                                 "(uniform +/-).", ge=0, lt=1)
    cash_reserve_years: float = P(0.5, "years of fixed cost", "Cash a firm starts with and "
                                  "keeps; profit beyond it is paid out every year.",
                                  ge=0, le=50)
    entry_candidates: int = P(3, "sites / store type / year", "Sites a would-be store or "
                              "hub weighs each year.", ge=0, le=1000)

    # --- marketplaces -----------------------------------------------------------------------
    marketplace_commission: float = P(0.15, "fraction of sales", "A marketplace's cut of its "
                                      "third-party sellers' sales (Amazon's referral fee: "
                                      "15 % in most categories, already in 2003).",
                                      "Amazon Marketplace referral fees; Tampa Bay Times, "
                                      "2003-03-10", ge=0, lt=1)
    marketplace_fixed_cost: float = P(2_000_000.0, "$ / year", "Regional share of running an "
                                      "online marketplace (site, payments, seller support): "
                                      "a large firm, so the region holds few.", ge=0)
    seller_fixed_cost: float = P(300.0, "$ / year", "Regional share of a third-party "
                                 "seller's overheads: a small firm selling nationwide (about "
                                 "$200,000 a year, of which the region of 200,000 households "
                                 "is 0.15 %), so a category holds thousands of them.", ge=0)
    seller_listing_reach: float = P(0.0014, "fraction of listing_reach", "Share of a "
                                    "category's catalogue one third-party seller lists, "
                                    "relative to a web shop's listing_reach: a seller lists "
                                    "its own few lines.", gt=0, le=1)
    marketplace_seed_sellers: float = P(100.0, "sellers / category", "Third-party sellers "
                                        "an entering marketplace brings (from the auction "
                                        "or catalogue business it starts from); more join "
                                        "where selling there pays.", ge=0)
    marketplace_split_shipments: bool = P(True, "-", "Each item of a marketplace order "
                                          "comes from its own seller, in a parcel of its "
                                          "own (false: the rival of orders shipped "
                                          "together, one parcel each).")
    marketplace_network_effect: float = P(1.2, "-", "Exponent of listings in how online "
                                          "buyers split between marketplaces: above 1, "
                                          "buyers and sellers follow each other and the "
                                          "market tips towards one leader.", ge=0, le=3)
    membership_fee: float = P(79.0, "$ / year", "Price of a marketplace's delivery "
                              "membership, no parcel fee on its orders (Amazon Prime at its "
                              "launch in February 2005).", "Retail Brew, 2025-03-13 (Prime "
                              "launched in 2005 at $79 a year)", ge=0)

    # --- platforms and print hubs -----------------------------------------------------------
    platform_commission: float = P(0.3, "fraction of design price", "Platform cut of each "
                                   "design sale (marketplaces take roughly 20-30 %).", ge=0,
                                   le=1)
    platform_fixed_cost: float = P(10_000.0, "$ / year", "Regional share of running a global "
                                   "design marketplace.", ge=0)
    network_effect: float = P(0.8, "-", "Exponent of catalogue size in a platform's "
                              "attractiveness: the two-sided network effect.", ge=0, le=3)
    designs_per_owner: float = P(0.15, "designs / printer owner / year", "Designs the "
                                 "world's printer owners upload each year (makers design "
                                 "for makers), shared among platforms by their "
                                 "attractiveness: Thingiverse held ~25,000 designs in 2012 "
                                 "and over 1.9 million files in 2021.",
                                 "market_abm/data/history/re_intermediation_milestones.csv", ge=0)
    platform_seed_catalogue: float = P(1000.0, "designs", "Catalogue an entering platform "
                                       "starts with.", gt=0)
    design_catalogue_scale: float = P(500_000.0, "designs", "Designs on all platforms for "
                                      "which a buyer finds the exact design wanted with "
                                      "probability 1 - 1/e.", gt=0)
    max_entries_per_year: int = P(3, "firms", "Most entrants per yearly review of each role, "
                                  "and of each category (producers: online sellers, design "
                                  "brands) or store type (stores) where entry is by kind.",
                                  ge=0, le=1000)
    hub_fixed_cost: float = P(60_000.0, "$ / year", "Rent and professional machines of a "
                              "print hub.", ge=0)
    hub_margin: float = P(0.5, "fraction of cost", "Print hub markup.", ge=0, le=10)
    machine_cost_per_hour: float = P(10.0, "$ / hour", "Professional printing cost per "
                                     "machine hour.", ge=0)
    pro_speedup: float = P(2.0, "-", "Professional printers print this many times faster.",
                           gt=0)
    home_print_effort: float = P(15.0, "$ / item", "Attention a home print takes (finding "
                                 "the design, slicing, setting up, removing supports, "
                                 "finishing) for a household of average hassle: about an "
                                 "hour at $15/h; calibrated with maker_share.", ge=0)
    print_hassle_spread: float = P(0.38, "log-sd", "Spread of that attention cost between "
                                   "households (lognormal, mean 1): many households will "
                                   "never find printing worth their time.", ge=0, le=3)
    conversion_cost: float = P(80_000.0, "$", "One-off cost for a store to become a print hub "
                               "or a carrier a material supplier.", ge=0)
    evaluation_sample: int = P(2000, "customers", "Customers sampled when firms evaluate a "
                               "channel they are not in.", ge=50, le=1_000_000)

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, values: Any) -> Any:
        """numpy scalars (from designs and samplers) as the Python numbers they hold."""
        if not isinstance(values, dict):
            return values
        plain = {}
        for key, value in values.items():
            if isinstance(value, np.bool_):
                value = bool(value)
            elif isinstance(value, np.integer):
                value = int(value)
            elif isinstance(value, np.floating):
                value = float(value)
            plain[key] = value
        return plain

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        for name in _unbounded_reals():
            value = getattr(self, name)
            if abs(value) > MAX_UNBOUNDED:
                raise ValueError(f"{name}: must be at most 1e{int(np.log10(MAX_UNBOUNDED))} "
                                 "(beyond it the model's money arithmetic overflows), "
                                 f"got {value!r}")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year: must be >= start_year ({self.start_year}), "
                             f"got {self.end_year}")
        if self.printer_price_floor > self.printer_price_start:
            raise ValueError("printer_price_floor: must be <= printer_price_start "
                             f"({self.printer_price_start}), got {self.printer_price_floor}")
        if self.social_network != "complete" and self.social_degree >= self.n_customers:
            raise ValueError(f"social_degree: must be < n_customers ({self.n_customers}), "
                             f"got {self.social_degree}")
        return self

    @property
    def n_steps(self) -> int:
        """Number of steps from January of start_year to December of end_year."""
        return (self.end_year - self.start_year + 1) * self.steps_per_year

    @property
    def households_per_customer(self) -> float:
        """Real households one customer agent stands for."""
        return self.population_households / self.n_customers


def _limits(field) -> dict[str, Any]:
    """The ge/gt/le/lt limits of a field."""
    return {op: getattr(m, op) for m in field.metadata for op in ("ge", "gt", "le", "lt")
            if getattr(m, op, None) is not None}


@functools.cache
def _unbounded_reals() -> tuple[str, ...]:
    """Real parameters with no documented upper limit (capped at MAX_UNBOUNDED)."""
    return tuple(name for name, field in Scenario.model_fields.items()
                 if field.annotation is float and not {"le", "lt"} & set(_limits(field)))


@functools.cache
def parameter_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The parameters by section of the Scenario class (its ``# --- name ---`` comments), in
    definition order: ((section, (parameter, ...)), ...)."""
    groups: list[tuple[str, list[str]]] = []
    for line in inspect.getsource(Scenario).splitlines():
        if heading := re.match(r"\s*# --- (.+?) -+$", line):
            groups.append((heading.group(1), []))
        elif (field := re.match(r"    (\w+):", line)) and field.group(1) in Scenario.model_fields:
            groups[-1][1].append(field.group(1))
    return tuple((name, tuple(keys)) for name, keys in groups)


def preset_description(name: str) -> str:
    """What a preset is for: the comment lines that open its file, as one paragraph."""
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset '{name}': allowed presets are {', '.join(PRESETS)}")
    text = resources.files("market_abm.presets").joinpath(f"{name}.toml").read_text()
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def parameter_docs() -> list[dict[str, Any]]:
    """One dict per parameter: name, default, unit, rationale, source, allowed values."""
    rows = []
    for name, field in Scenario.model_fields.items():
        extra = field.json_schema_extra or {}
        allowed = []
        for m in field.metadata:
            for op in ("ge", "gt", "le", "lt"):
                if getattr(m, op, None) is not None:
                    allowed.append(f"{op} {getattr(m, op)}")
        args = getattr(field.annotation, "__args__", None)
        if args and all(isinstance(a, str) for a in args):
            allowed.append(" | ".join(args))
        rows.append({"name": name, "default": field.default, "unit": extra.get("unit", ""),
                     "rationale": extra.get("rationale", ""), "source": extra.get("source", ""),
                     "allowed": ", ".join(allowed)})
    return rows


# What a value of the wrong type should have been, by pydantic error type.
_EXPECTED = {"int_type": "an integer", "int_from_float": "an integer",
             "int_parsing": "an integer", "float_type": "a number",
             "float_parsing": "a number", "finite_number": "a finite number",
             "bool_type": "true or false", "bool_parsing": "true or false",
             "string_type": "text", "literal_error": None}


def _one_line(err: ValidationError) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "scenario"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        return f"unknown parameter '{key}' (see docs/parameters.md for the allowed keys)"
    if not first["loc"]:  # a check across parameters names its parameter itself
        return msg
    if msg.startswith(f"{key}:"):
        return msg
    expected = _EXPECTED.get(first["type"])
    if expected is not None:
        field = Scenario.model_fields.get(key)
        limits = _limits(field) if field is not None else {}
        span = ", ".join(f"{op} {v}" for op, v in limits.items())
        return f"{key}: must be {expected}{f' ({span})' if span else ''}, got {first['input']!r}"
    return f"{key}: {msg} (got {first.get('input')!r})"


def _kind(value: Any) -> str:
    """How a value read from a file is named in messages."""
    if value is None:
        return "nothing (null)"
    return {bool: "a boolean", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def read_scenario_file(path: Path) -> dict[str, Any]:
    """Parameters from a UTF-8 TOML or YAML file: either every parameter at the top level, or
    every parameter in a ``[scenario]`` table (``scenario:`` in YAML), never both."""
    if path.is_dir():
        raise ScenarioError(f"scenario file {path} is a folder: give a .toml or .yaml file")
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}")
    if path.suffix not in (".toml", ".yaml", ".yml"):
        raise ScenarioError(f"scenario file {path}: use .toml, .yaml or .yml")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"scenario file {path} cannot be read: {exc.strerror}") from None
    return scenario_values(content, path)


def scenario_values(content: bytes, path: Path) -> dict[str, Any]:
    """Parameters from the bytes of a scenario file named ``path`` (its suffix says TOML or
    YAML; the name is only used in messages), as ``read_scenario_file``: the page's upload
    and the command line read files the same way."""
    if path.suffix not in (".toml", ".yaml", ".yml"):
        raise ScenarioError(f"scenario file {path}: use .toml, .yaml or .yml")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"scenario file {path} is not UTF-8 text (byte {exc.start} is "
                            f"0x{exc.object[exc.start]:02x})") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0]
        raise ScenarioError(f"scenario file {path} is malformed: {reason}") from None
    data = {} if data is None else data  # an empty YAML file
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario file {path}: expected a table of key = value, got "
                            f"{_kind(data)}")
    if "scenario" in data:
        table = data["scenario"]
        if not isinstance(table, dict):
            raise ScenarioError(f"scenario file {path}: 'scenario' must be a table of "
                                f"key = value ([scenario] in TOML), got {_kind(table)}")
        outside = [str(k) for k in data if k != "scenario"]
        if outside:
            raise ScenarioError(f"scenario file {path}: '{outside[0]}' is outside the "
                                "[scenario] table: put every parameter inside the table, or "
                                "give no table")
        data = table
    for key in data:
        if not isinstance(key, str):
            raise ScenarioError(f"scenario file {path}: key {key!r} is not a parameter name")
    return dict(data)


def preset(name: str) -> dict[str, Any]:
    """The parameters a named preset sets (on top of the defaults)."""
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset '{name}': allowed presets are {', '.join(PRESETS)}")
    text = resources.files("market_abm.presets").joinpath(f"{name}.toml").read_text()
    return tomllib.loads(text).get("scenario", {})


def parse_value(text: str) -> Any:
    """A --set value: TOML syntax where it parses (numbers, booleans), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """Turn ['key=value', ...] into a dict, rejecting malformed items."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set expects key=value, got '{item}'")
        out[key.strip()] = parse_value(value.strip())
    return out


def make_scenario(values: dict[str, Any]) -> Scenario:
    """Validate a dict of parameters, raising ScenarioError with one readable line."""
    try:
        return Scenario(**values)
    except ValidationError as err:
        raise ScenarioError(_one_line(err)) from None


def load_scenario(source: str | Path = "baseline",
                  overrides: dict[str, Any] | None = None) -> Scenario:
    """A scenario from a preset name or a TOML/YAML path, then overrides key by key."""
    source = str(source)
    if source in PRESETS:
        values = preset(source)
    elif source.endswith((".toml", ".yaml", ".yml")) or Path(source).exists():
        values = read_scenario_file(Path(source))
    else:
        raise ScenarioError(f"unknown scenario '{source}': give a preset "
                            f"({', '.join(PRESETS)}) or a .toml/.yaml file")
    values.update(overrides or {})
    return make_scenario(values)


def scenario_to_toml(scenario: Scenario) -> str:
    """A TOML text that load_scenario reads back to the same scenario."""
    lines = ["[scenario]"]
    for key, value in scenario.model_dump().items():
        if value is None:  # an absent optional parameter (TOML has no null)
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"
