"""The smartphone's effect on a household's online orders, measured in the model as in the
field study it is calibrated to (Narang & Shankar 2019: adopters of a retailer's app bought
21 % more often in the months after adopting than comparable non-adopters).

In a run of the scenario, on 1 January of ``year`` a random half of the connected households
without a smartphone get one (its order-effort saving included); the other half are the
controls. The effect is the treated households' online orders over the next twelve months
over the controls', minus 1. Both groups are the same households in expectation, so the
difference is the smartphone's effect through the model's own choice rules (habit and
neighbours included).

    python -m experiments.mobile_effect [--seeds 3] [--year 2014]
"""

from __future__ import annotations

import argparse

import numpy as np

from market_abm import MarketModel, load_scenario
from market_abm.scenario import Scenario

FIELD_EFFECT = 0.21  # Narang & Shankar 2019, Marketing Science 38(5): +21 % purchase frequency


def mobile_effect(scenario: Scenario, seed: int, year: int = 2014) -> float:
    """Relative increase (fraction) of online orders over the year from ``year`` of households
    given a smartphone on 1 January, against a random control half of the same households."""
    run = scenario.model_copy(update={"end_year": year})
    model = MarketModel(run, rng=seed)
    model.run_for((year - run.start_year) * run.steps_per_year)
    pop = model.customers
    pick = np.random.default_rng(seed + 1)
    candidates = np.flatnonzero(pop.internet & ~pop.smartphone)
    if len(candidates) < 20:
        raise ValueError(f"too few households without a smartphone in {year} to compare")
    pick.shuffle(candidates)
    treated, control = np.array_split(candidates, 2)
    pop.smartphone[treated] = True
    pop.order_effort[treated] *= 1.0 - run.mobile_order_saving
    before = pop.online_orders.copy()
    model.scenario = run.model_copy(update={"end_year": year + 1})
    model.running = True
    model.run_for(run.steps_per_year)
    orders = pop.online_orders - before
    return float(orders[treated].mean() / max(orders[control].mean(), 1e-12) - 1.0)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m experiments.mobile_effect",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--year", type=int, default=2014)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args()
    from market_abm.scenario import parse_assignments
    scenario = load_scenario("baseline", parse_assignments(args.set))
    effects = [mobile_effect(scenario, seed, args.year) for seed in range(1, args.seeds + 1)]
    print(f"online orders of smartphone adopters vs controls, {args.year}: "
          f"{np.mean(effects):+.1%} (seeds: {', '.join(f'{e:+.1%}' for e in effects)}); "
          f"field study: {FIELD_EFFECT:+.0%}")


if __name__ == "__main__":
    main()
