"""Tiny result tables shaped like the outputs of experiments/, for tests/test_paper.py."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _figure(path: Path) -> None:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path)
    plt.close(fig)


def write_experiment_results(results: Path) -> None:
    """baseline_replicates, capability_taste, pricing and screening folders, a figure each."""
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
    pd.DataFrame({"pattern": ["1 retail dominant before the internet", "6 marginal"],
                  "runs": 4, "reproduced": [4, 3], "share": [1.0, 0.75]}).to_csv(
        validation / "patterns.csv", index=False)
    _figure(validation / "patterns.svg")
    years = list(range(1999, 2020))
    pd.DataFrame({"year": years,
                  "observed": [0.01 if y <= 2009 else None for y in years],
                  "model_mean": 0.02, "model_lower": 0.01, "model_upper": 0.03}).to_csv(
        validation / "calibration_fit.csv", index=False)
    (validation / "calibrated_scenario.toml").write_text(
        "[scenario]\nsocial_weight = 2.25\nparcel_cost = 4.0\n")
    _figure(validation / "calibration.svg")
