"""Experiment 4: Morris screening of all behavioural parameters, then Sobol on the most
influential.

Behavioural parameters (``BEHAVIOURAL``): how customers choose channels and adopt internet
and printers, and how producers reprice. Each varies from half to one and a half times its
default (clipped to its allowed range). Stage 1, Morris elementary effects on the outputs in
``OUTPUTS``; stage 2, Sobol first- and total-order indices of the ``--top`` parameters with the
largest mu_star on the first output (final_share_home_print: the home-print share in 2050),
the others at their defaults.

Paper size: baseline scenario, Morris 20 trajectories (480 runs), Sobol top 4 with 128 base
samples (768 runs). --quick: small quarterly market, 2 trajectories (48 runs), top 2 with 2
samples (8 runs).

Writes to results/screening/: morris/ and sobol/ (sweeps), morris_indices.csv,
sobol_indices.csv (and .parquet), morris.png/.svg, sobol.png/.svg, top_parameters.txt.

    python -m experiments.screening --quick
"""

from __future__ import annotations

from experiments import common
from market_abm import sensitivity
from market_abm.designs import is_integer, scale_points
from market_abm.scenario import Scenario

NAME = "screening"
BEHAVIOURAL = [
    # channel choice
    "price_sensitivity", "sensitivity_spread", "time_value", "travel_cost_per_km",
    "trip_time_cost", "purchases_per_trip", "personalisation_taste", "habit_weight",
    "habit_memory", "social_weight", "variety_value", "inspection_value", "home_print_effort",
    "print_hassle_spread",
    # printer and internet adoption
    "maker_share", "maker_enjoyment", "adoption_steepness", "bass_p", "bass_q", "internet_p",
    "internet_q",
    # producer pricing behaviour
    "price_adjustment", "target_utilisation",
]
OUTPUTS = ["final_share_home_print", "final_share_online", "final_share_retail",
           "final_active_retailers"]


def behavioural_ranges(base: Scenario, factor: float = 0.5) -> list[tuple[str, float, float]]:
    """(name, lo, hi): default × (1 - factor, 1 + factor), clipped to the allowed range."""
    ranges = []
    for name in BEHAVIOURAL:
        value = float(getattr(base, name))
        lo, hi = value * (1 - factor), value * (1 + factor)
        for m in Scenario.model_fields[name].metadata:
            if getattr(m, "le", None) is not None:
                hi = min(hi, float(m.le))
            if getattr(m, "lt", None) is not None:
                hi = min(hi, float(m.lt) - 1e-9)
            if getattr(m, "gt", None) is not None:
                lo = max(lo, float(m.gt) + 1e-9)
        assert not is_integer(name), name
        ranges.append((name, lo, hi))
    return ranges


def stage(args, base, method: str, ranges, n: int, outputs: list[str]):
    prob = sensitivity.problem(ranges)
    x = sensitivity.sample(method, prob, n, args.seed)
    info = {"experiment": f"4 screening ({method})", "method": method, "problem": prob,
            "size": n, "quick": args.quick}
    runs, _ = common.sweep(args, method, base, scale_points(x, ranges), 1, info)
    table = sensitivity.indices(method, prob, x, runs, outputs, args.seed)
    common.write_table(table, args.out, f"{method}_indices")
    common.save(sensitivity.figure(table, method), args.out, method)
    return table


def run() -> None:
    p = common.parser(NAME, __doc__)
    p.add_argument("--top", type=int, help="parameters kept for Sobol (default 4; quick 2)")
    args = p.parse_args()
    trajectories, samples = (2, 2) if args.quick else (20, 128)
    top = args.top or (2 if args.quick else 4)
    base = common.base_scenario(args.quick)
    ranges = behavioural_ranges(base)
    morris = stage(args, base, "morris", ranges, trajectories, OUTPUTS)
    first = morris[morris["output"] == OUTPUTS[0]].sort_values("mu_star", ascending=False)
    chosen = list(first["parameter"].head(top))
    (args.out / "top_parameters.txt").write_text("\n".join(chosen) + "\n")
    print(f"screening: most influential on {OUTPUTS[0]}: {', '.join(chosen)}")
    sobol = stage(args, base, "sobol", [r for r in ranges if r[0] in chosen], samples,
                  OUTPUTS[:2])
    print(sobol.round(3).to_string(index=False))
    print(f"screening: wrote {args.out}/morris_indices.csv, sobol_indices.csv, "
          "morris.png/.svg, sobol.png/.svg")


if __name__ == "__main__":
    common.main(run)
