"""Validation: how often the baseline reproduces each of its six patterns, over many seeds.

Paper size: 50 seeds of the baseline (1990-2050, monthly, 2,000 customers) for patterns 1-5
and 50 seeds with printer_capability_growth = 0 for pattern 6. --quick: 4 seeds each, 300
customers, quarterly steps (CI size: shares from so few runs mean little).

Writes to results/validation/: patterns.csv (pattern, runs, reproduced, share),
patterns_by_seed.csv and patterns.png/.svg.

    python -m experiments.pattern_validation --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from experiments import common
from market_abm import patterns
from market_abm.categories import load_categories

NAME = "validation"


def check_runs(yearly: pd.DataFrame, scenario, checks) -> pd.DataFrame:
    """One row per run: the run id and True/False per pattern in ``checks``."""
    cats = load_categories()
    rows = []
    for run_id, part in yearly.groupby("run_id"):
        y = part.set_index("year").sort_index()
        found = checks(y, scenario, cats)
        rows.append({"run_id": run_id, **found})
    return pd.DataFrame(rows)


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    seeds = 4 if args.quick else 50
    size = {"n_customers": 300, "steps_per_year": 4} if args.quick else {}
    base = common.base_scenario(False, **size)
    _, yearly = common.sweep(args, "patterns_baseline", base, [{}], seeds,
                             {"experiment": "pattern validation", "quick": args.quick})
    still = common.base_scenario(False, printer_capability_growth=0.0, **size)
    _, frozen = common.sweep(args, "patterns_no_growth", still, [{}], seeds,
                             {"experiment": "pattern validation, no growth",
                              "quick": args.quick})
    by_seed = check_runs(yearly, base, patterns.baseline_patterns)
    six = "6 home printing marginal without capability growth"
    no_growth = check_runs(frozen, still,
                           lambda y, s, c: {six: patterns.home_printing_marginal(y, s)})
    table = pd.DataFrame([{"pattern": p, "runs": len(by_seed), "reproduced":
                           int(by_seed[p].sum())} for p in by_seed.columns if p != "run_id"]
                         + [{"pattern": six, "runs": len(no_growth),
                             "reproduced": int(no_growth[six].sum())}])
    table["share"] = table["reproduced"] / table["runs"]
    common.write_table(table, args.out, "patterns")
    common.write_table(by_seed.merge(no_growth, on="run_id", how="outer"), args.out,
                       "patterns_by_seed")

    fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
    ax.barh(table["pattern"], table["share"], color="#4c72b0")
    for i, share in enumerate(table["share"]):
        ax.text(min(share, 0.9), i, f"{share:.0%}", va="center", ha="left")
    ax.set(xlim=(0, 1), xlabel=f"share of {seeds} seeds reproducing the pattern",
           title="Pattern-oriented validation of the baseline")
    ax.invert_yaxis()
    common.save(fig, args.out, "patterns")
    print(table.to_string(index=False))


if __name__ == "__main__":
    common.main(run)
