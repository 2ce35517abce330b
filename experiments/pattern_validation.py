"""Validation: how often the baseline reproduces each of its patterns over many seeds, and how
often alternative models reproduce the patterns they are meant to fail.

Paper size: 50 seeds of the baseline (1990-2050, monthly, 2,000 customers) for patterns 1-6,
50 seeds with the capability frontier frozen in 2020 (pattern 5b), and 10 seeds of each
alternative of ``market_abm.patterns.ALTERNATIVES``. --quick: 2 seeds each, 300 customers,
quarterly steps (CI size: shares from so few runs mean little).

Writes to results/validation/: patterns.csv (pattern, runs, reproduced, share),
patterns_by_seed.csv, alternatives.csv (alternative, pattern, runs, reproduced, share,
expected_to_fail) and patterns.png/.svg.

    python -m experiments.pattern_validation --quick
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from experiments import common
from market_abm import patterns

NAME = "validation"


def check_runs(yearly: pd.DataFrame, checks) -> pd.DataFrame:
    """One row per run: the run id and True/False per pattern of ``checks`` (a function of a
    run's yearly table returning {pattern: bool})."""
    rows = []
    for run_id, part in yearly.groupby("run_id"):
        rows.append({"run_id": run_id, **checks(part.set_index("year").sort_index())})
    return pd.DataFrame(rows)


def shares(by_seed: pd.DataFrame) -> pd.DataFrame:
    """Per pattern: runs, runs reproducing it and their share."""
    table = pd.DataFrame([{"pattern": p, "runs": len(by_seed),
                           "reproduced": int(by_seed[p].sum())}
                          for p in by_seed.columns if p != "run_id"])
    table["share"] = table["reproduced"] / table["runs"]
    return table


def run() -> None:
    args = common.parser(NAME, __doc__).parse_args()
    seeds, other_seeds = (2, 2) if args.quick else (50, 10)
    size = {"n_customers": 300, "steps_per_year": 4} if args.quick else {}
    info = {"experiment": "pattern validation", "quick": args.quick}
    base = common.base_scenario(False, **size)
    _, yearly = common.sweep(args, "patterns_baseline", base, [{}], seeds, info)
    frozen = common.base_scenario(False, capability_freeze_year=patterns.FREEZE_YEAR, **size)
    _, frozen_yearly = common.sweep(args, "patterns_frozen", frozen, [{}], seeds, info)
    by_seed = check_runs(yearly, patterns.baseline_patterns).merge(
        check_runs(frozen_yearly, patterns.frozen_patterns), on="run_id")
    table = shares(by_seed)
    common.write_table(table, args.out, "patterns")
    common.write_table(by_seed, args.out, "patterns_by_seed")

    rows = []
    for i, (name, (overrides, failing)) in enumerate(patterns.ALTERNATIVES.items()):
        scenario = common.base_scenario(False, **size, **overrides)
        _, alt = common.sweep(args, f"alternative_{i}", scenario, [{}], other_seeds,
                              {**info, "alternative": name})
        for row in shares(check_runs(alt, patterns.baseline_patterns)).to_dict("records"):
            rows.append({"alternative": name, **row,
                         "expected_to_fail": row["pattern"] in failing})
    alternatives = pd.DataFrame(rows)
    common.write_table(alternatives, args.out, "alternatives")

    fig, ax = plt.subplots(figsize=(9, 4.5), constrained_layout=True)
    ax.barh(table["pattern"], table["share"], color="#4c72b0", label="baseline")
    failing = alternatives[alternatives["expected_to_fail"]]
    worst = failing.groupby("pattern")["share"].max().reindex(table["pattern"])
    ax.scatter(worst.to_numpy(), range(len(table)), color="#c44e52", zorder=3,
               label="alternative meant to fail it (highest share)")
    for i, share in enumerate(table["share"]):
        ax.text(min(share, 0.88), i, f" {share:.0%}", va="center", ha="left", color="white"
                if share > 0.88 else "black")
    ax.set(xlim=(0, 1), xlabel=f"share of seeds reproducing the pattern ({seeds} baseline, "
           f"{other_seeds} per alternative)", title="Pattern-oriented validation")
    ax.legend(loc="lower right", fontsize=8)
    ax.invert_yaxis()
    common.save(fig, args.out, "patterns")
    print(table.to_string(index=False))
    print(failing[["alternative", "pattern", "share"]].to_string(index=False))


if __name__ == "__main__":
    common.main(run)
