"""Tiny result tables shaped like the outputs of experiments/, for tests/test_paper.py."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from market_abm import patterns  # noqa: E402
from market_abm.calibration import DEFAULT_PARAMS  # noqa: E402
from market_abm.scenario import Scenario  # noqa: E402


def _figure(path: Path) -> None:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path)
    plt.close(fig)


def write_experiment_results(results: Path) -> None:
    """baseline_replicates, capability_taste, pricing, screening, network, validation,
    history, lock_in, discovery and history_match folders, a figure each."""
    write_history_match(results / "history_match")
    rep = results / "baseline_replicates"
    rep.mkdir(parents=True)
    rows = []
    for year in range(2000, 2051):
        hp = max(0.0, (year - 2035) * 0.02)
        for column, mean in (("share_online", 0.05), ("share_home_print", hp),
                             ("active_retailers", 70.0)):
            rows.append({"year": year, "column": column, "n": 3, "mean": mean,
                         "run_lo": mean * 0.8, "run_hi": mean * 1.2, "mean_lo": mean,
                         "mean_hi": mean})
    pd.DataFrame(rows).to_csv(rep / "bands.csv", index=False)
    _figure(rep / "channels.svg")

    cap = results / "capability_taste"
    cap.mkdir()
    pd.DataFrame({"printer_capability_growth": [0.03, 0.03, 0.09, 0.09],
                  "personalisation_taste": [0.0, 0.5, 0.0, 0.5], "runs": 2,
                  "home_print_2050": [0.01, 0.02, 0.4, 0.6], "home_print_2050_sd": 0.01,
                  "tipped_fraction": [0, 0, 1, 1],
                  "tipping_year": [None, None, 2035, 2032]}).to_csv(cap / "grid.csv",
                                                                  index=False)
    _figure(cap / "home_print_2050.png")

    pricing = results / "pricing"
    pricing.mkdir()
    pd.DataFrame({"output": ["final_firm_profit_producer", "final_mean_markup",
                             "final_share_home_print"],
                  "static": [3e6, 0.4, 0.6], "dynamic": [1e6, 0.1, 0.55],
                  "difference": [-2e6, -0.3, -0.05], "diff_lo": [-2.5e6, -0.35, -0.1],
                  "diff_hi": [-1.5e6, -0.25, 0.0], "n_static": 2,
                  "n_dynamic": 2}).to_csv(pricing / "summary.csv", index=False)
    _figure(pricing / "prices.svg")

    screening = results / "screening"
    screening.mkdir()
    pd.DataFrame({"output": "final_share_home_print",
                  "parameter": ["price_sensitivity", "time_value", "habit_weight"],
                  "mu": [0.5, 0.2, 0.0], "mu_star": [0.5, 0.2, 0.01], "sigma": 0.1,
                  "mu_star_conf": 0.05}).to_csv(screening / "morris_indices.csv", index=False)
    pd.DataFrame({"output": "final_share_home_print", "parameter": ["price_sensitivity"],
                  "S1": [0.6], "S1_conf": [0.1], "ST": [0.7],
                  "ST_conf": [0.1]}).to_csv(screening / "sobol_indices.csv", index=False)
    _figure(screening / "morris.svg")

    network = results / "network"
    network.mkdir()
    pd.DataFrame([{"year": year, "column": f"network_{col}", "n": 3, "mean": m, "run_lo": m,
                   "run_hi": m, "mean_lo": m, "mean_hi": m}
                  for year in (2000, 2050)
                  for col, m in (("intermediation_index", 2.0 if year == 2000 else 1.25),
                                 ("flow_share_retailer", 1.0), ("flow_share_platform", 0.3))]
                 ).to_csv(network / "bands.csv", index=False)
    _figure(network / "network.svg")

    validation = results / "validation"
    validation.mkdir()
    names = list(patterns.BASELINE) + list(patterns.FROZEN)
    reproduced = [3 if i == 1 else 4 for i in range(len(names))]
    pd.DataFrame({"pattern": names, "runs": 4, "reproduced": reproduced,
                  "share": [r / 4 for r in reproduced]}).to_csv(
        validation / "patterns.csv", index=False)
    rows = []
    for i, (name, (_, failing)) in enumerate(patterns.ALTERNATIVES.items()):
        for pattern in patterns.BASELINE:
            meant = pattern in failing
            reproduced = (1 if i == 0 else 0) if meant else 2
            rows.append({"alternative": name, "pattern": pattern, "runs": 4,
                         "reproduced": reproduced, "share": reproduced / 4,
                         "expected_to_fail": meant})
    pd.DataFrame(rows).to_csv(validation / "alternatives.csv", index=False)
    _figure(validation / "patterns.svg")
    years = list(range(1999, 2020))
    pd.DataFrame({"year": years,
                  "observed": [0.01 if y <= 2009 else None for y in years],
                  "model_mean": 0.02, "model_lower": 0.01, "model_upper": 0.03}).to_csv(
        validation / "calibration_fit.csv", index=False)
    first, second = DEFAULT_PARAMS["spend_share_online"]
    (validation / "calibrated_scenario.toml").write_text(
        f"[scenario]\n{first} = 2.25\n{second} = 0.3\n")
    _figure(validation / "calibration.svg")

    write_history(results / "history")
    write_lock_in(results / "lock_in")
    write_discovery(results / "discovery")


def write_discovery(folder: Path, takeover: int = 0) -> None:
    """regimes.csv, outcomes.csv and boxes_<outcome>.csv shaped like experiments.discovery's,
    with a sweep manifest: 20 runs, 12 niche, ``takeover`` taking over and the rest
    coexisting; one niche box (slow capability growth, dear material), and a takeover box
    only when some runs take over."""
    folder.mkdir(parents=True)
    n, niche = 20, 12
    counts = {"niche": niche, "coexistence": n - niche - takeover, "takeover": takeover}
    peaks = {"niche": (0.0, 0.08), "coexistence": (0.11, 0.24), "takeover": (0.55, 0.6)}
    pd.DataFrame([{"regime": r, "runs": k, "share": k / n,
                   "peak_3d_min": peaks[r][0] if k else None,
                   "peak_3d_max": peaks[r][1] if k else None}
                  for r, k in counts.items()]).to_csv(folder / "regimes.csv", index=False)
    columns = ["box", "coverage", "density", "mass", "runs", "runs_of_interest", "restricted"]
    pd.DataFrame([{"box": 1, "coverage": 0.75, "density": 0.9, "mass": 0.5, "runs": 10,
                   "runs_of_interest": 9,
                   "restricted": "printer_capability_growth material_margin",
                   "printer_capability_growth_min": 0.03,
                   "printer_capability_growth_max": 0.0812,
                   "material_margin_min": 1.2, "material_margin_max": 2.0}]).to_csv(
        folder / "boxes_niche.csv", index=False)
    if takeover:
        pd.DataFrame([{"box": 1, "coverage": 1.0, "density": 0.5, "mass": 0.1 * takeover,
                       "runs": 2 * takeover, "runs_of_interest": takeover,
                       "restricted": "home_print_effort", "home_print_effort_min": 1.0,
                       "home_print_effort_max": 2.5}]).to_csv(folder / "boxes_takeover.csv",
                                                              index=False)
    else:
        pd.DataFrame(columns=columns).to_csv(folder / "boxes_takeover.csv", index=False)
    pd.DataFrame([
        {"outcome": "takeover", "condition": 'regime_3d == "takeover"', "runs": n,
         "runs_of_interest": takeover, "boxes": 1 if takeover else 0,
         "note": "" if takeover else "holds for no run: PRIM has nothing to find"},
        {"outcome": "niche", "condition": 'regime_3d == "niche"', "runs": n,
         "runs_of_interest": niche, "boxes": 1, "note": ""}]).to_csv(
        folder / "outcomes.csv", index=False)
    sweep = folder / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text(json.dumps(
        {"n_runs": n, "replicates": 1, "quick": False,
         "parameters": ["printer_capability_growth", "material_margin", "home_print_effort"],
         "uncertainties": {"printer_capability_growth": [0.03, 0.3],
                           "material_margin": [0.1, 2.0], "home_print_effort": [1.0, 12.0]},
         "base_scenario": {"n_customers": 500, "steps_per_year": 12, "start_year": 1990,
                           "end_year": 2050}}))
    _figure(folder / "regimes.svg")
    _figure(folder / "scatter_niche.svg")


def write_history(folder: Path) -> None:
    """history_fit.csv shaped like experiments.history's, with a sweep manifest: the
    e-commerce series 1 point off every year; clothing stores falling in the model and growing
    in the data; parcels growing less than the index; the first platform 3 years late."""
    folder.mkdir(parents=True)
    rows = []

    def add(series, unit, points, spread=None):
        for year, observed, model in points:
            half = model * 0.1 if spread is None else spread
            rows.append({"series": series, "year": year, "observed": observed,
                         "model": model, "lo": model - half, "hi": model + half,
                         "unit": unit})

    # the model 1 point above the data 1999-2009, rising 0.3 points a year to 2012 and 0.1
    # point a year after (the data rise 0.3 points a year)
    add("e-commerce share of retail sales", "fraction",
        [(y, 0.01 + 0.003 * (y - 1999) if y <= 2009 else None,
          0.02 + 0.003 * (min(y, 2012) - 1999) + 0.001 * max(y - 2012, 0))
         for y in range(1999, 2025)])
    add("households with internet", "fraction", [(2000, 0.4, 0.38), (2014, 0.8, 0.78)])
    add("adults using the internet (Pew; model: households)", "fraction", [(2024, 0.96, 0.8)])
    add("bookstores (index 1992 = 1)", "index", [(1992, 1.0, 1.0), (2019, 0.46, 0.5)])
    add("music stores (index 1997 = 1)", "index", [(1997, 1.0, 1.0), (2007, 0.5, 0.8)])
    add("store change 2001-2017: clothing", "fraction", [(2017, 0.121, -0.15)])
    add("store change 2001-2017: furniture", "fraction", [(2017, -0.19, -0.15)])
    add("online share of media sporting hobby goods", "fraction", [(2011, 0.337, 0.31)])
    add("online share of electronics appliances", "fraction", [(2012, 0.233, 0.15)])
    add("online share of furniture", "fraction", [(2012, 0.172, 0.13)])
    add("online share of clothing", "fraction", [(2012, 0.149, 0.13)])
    add("parcels (index 2015 = 1)", "index", [(2015, 1.0, 1.0), (2023, 2.17, 1.4)])
    add("world desktop printers sold", "printers / year", [(2011, 23265, 40000),
                                                             (2015, 219168, 90000)])
    add("entry printer price (data: range of models)", "$", [(2012, 1974.5, 930.0),
                                                             (2018, 474.5, 430.0)])
    add("first 3D platform", "year", [(2008, 2008, 2011.0)], spread=1.0)
    add("first print service", "year", [(2007, 2007, 2011.0)], spread=1.0)
    pd.DataFrame(rows).to_csv(folder / "history_fit.csv", index=False)
    sweep = folder / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text(json.dumps(
        {"replicates": 3, "quick": False,
         "base_scenario": {"n_customers": 500, "steps_per_year": 12, "end_year": 2024}}))
    _figure(folder / "history.svg")


def write_lock_in(folder: Path) -> None:
    """lock_in.csv shaped like experiments.lock_in's: the starts 10 points apart at the
    calibrated J and 80 points apart at version 1's."""
    from experiments.lock_in import VERSION_1

    folder.mkdir(parents=True)
    base = Scenario()
    calibrated = round(base.habit_weight + base.social_weight, 3)
    gaps = {0.5: 0.02, calibrated: 0.10, 2.5: 0.6, VERSION_1: 0.8}
    rows = [{"J": J, "start": start, "seed": seed,
             "final_online_share": 0.5 + (gap / 2 if start == "online" else -gap / 2),
             "years": 20, "n_customers": 500}
            for J, gap in sorted(gaps.items()) for start in ("retail", "online")
            for seed in (1, 2)]
    pd.DataFrame(rows).to_csv(folder / "lock_in.csv", index=False)
    _figure(folder / "lock_in.svg")


def write_history_match(folder: Path) -> None:
    """results/history_match shaped like experiments.history_match: fit/ (manifest, posterior,
    predictive, figures) and holdout/ (manifest, holdout.csv, predictive with a 2050 forecast
    1.5 times the fit's, fit figure)."""
    fit, hold = folder / "fit", folder / "holdout"
    fit.mkdir(parents=True)
    hold.mkdir()
    targets = ('[[target]]\ndata = "x.csv"\ncolumn = "internet_share"\nscale = 0.03\n\n'
               '[[parameter]]\nname = "habit_weight"\nprior = "uniform"\nbounds = [0.2, 1.5]\n')
    settings = {"status": "complete", "targets": targets, "population": 4, "generations": 2,
                "draws": 10, "forecast_to": 2050, "quick": False, "final_tolerance": 0.75}
    (fit / "manifest.json").write_text(json.dumps(settings))
    (hold / "manifest.json").write_text(json.dumps({**settings, "holdout": [2005, 2009]}))
    pd.DataFrame({"habit_weight": [0.4, 0.6, 0.8, 1.0, 0.5, 0.7, 0.9, 1.1],
                  "weight": [0.25] * 8, "distance": [1.0] * 4 + [0.5] * 4,
                  "population": [1] * 4 + [2] * 4}).to_parquet(fit / "posterior.parquet")
    pd.DataFrame({"target": ["households with internet", "bookstores (index 1997)"],
                  "fit_years": ["1997-2004", "1997-1997"], "held_out": [3, 1],
                  "in_50": [2 / 3, 0.0], "in_90": [1.0, 0.0], "rmse_model": [0.02, 0.1],
                  "rmse_line": [0.03, float("nan")], "rmse_bass": [0.01, float("nan")]}
                 ).to_csv(hold / "holdout.csv", index=False)
    quantiles = ("q05", "q25", "q50", "q75", "q95")
    band = dict(zip(quantiles, (0.1, 0.3, 0.5, 0.7, 0.9), strict=True))
    # one target: four fitted observations, two inside the 50 % band and three in the 90 %
    target = [{"kind": "target", "target": "households with internet",
               "column": "internet_share", "year": year, **band, "observed": obs,
               "fitted": True} for year, obs in zip((2000, 2001, 2002, 2003),
                                                    (0.4, 0.6, 0.95, 0.2), strict=True)]

    def fans(last: float) -> list[dict]:
        """The forecast at its last year (2050, quantiles times ``last``) and one year
        before, which must not be read."""
        return [{"kind": "forecast", "target": column, "column": column, "year": year,
                 **dict(zip(quantiles, values, strict=True)), "observed": float("nan"),
                 "fitted": False}
                for year, scale in ((2049, 0.5), (2050, last))
                for column, values in (
                    ("printed_share_shopping",
                     [scale * v for v in (0.05, 0.07, 0.08, 0.09, 0.12)]),
                    ("spend_share_retail", [scale * v for v in (0.2, 0.25, 0.3, 0.35, 0.45)]),
                    ("active_retailers", [scale * v for v in (60, 70, 79, 90, 116)]))]

    pd.DataFrame(target + fans(1.0)).to_parquet(fit / "predictive.parquet")
    pd.DataFrame(target + fans(1.5)).to_parquet(hold / "predictive.parquet")
    for name in ("fit", "posterior", "forecast"):
        _figure(fit / f"{name}.png")
    _figure(hold / "fit.png")
