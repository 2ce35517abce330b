"""The speed benchmarks' own machinery (never their timings: those are printed, not tested).

The idiomatic Mesa reference must follow the model's rules, or the speed ratio would compare
two different models; and benchmarks/run.py must keep producing its figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from benchmarks.idiomatic_mesa import (
    IdiomaticCustomers,
    Shopper,
    model_purchases,
    reference_purchases,
    side_by_side,
)
from market_abm import CHANNELS, MarketModel, load_scenario
from market_abm.agents import HomePrinter
from market_abm.market import utilities
from market_abm.offer import build_supply
from market_abm.technology import print_quality

ROOT = Path(__file__).resolve().parent.parent
# January 2035 of the baseline: every channel is open and used (home printing and print
# services included), 2,000 customers buy about 3,000 times a step.
CUSTOMERS, YEAR, STEPS, SEED = 2000, 2035, 6, 3


# --- references with one rule changed: the check must tell them from the model ------------
class IgnoresDesigns(Shopper):
    """Prints any item, whether or not a design of it is on sale."""

    def find_design(self, k: int) -> bool:
        return True


class IgnoresHabitAndNeighbours(Shopper):
    """Chooses on cost alone."""

    def utility(self, c: int, k: int, time_value: float) -> float:
        return (-self.sensitivity * self.cost(c, k, time_value)
                / self.model.offer.ref_price[k])


class IgnoresPrintQuality(Shopper):
    """Takes a home-printed item to be as good as a made one."""

    def home_print_cost(self, k: int) -> float:
        offer = self.model.offer
        quality = print_quality(self.printer, np.array([offer.printability[k]]),
                                np.array([offer.quality_max[k]]), offer.quality_scale)[0]
        return super().home_print_cost(k) - offer.ref_price[k] * (1.0 - quality)


VARIANTS = (IgnoresDesigns, IgnoresHabitAndNeighbours, IgnoresPrintQuality)


@pytest.fixture(scope="module")
def side_by_side_run():
    """Purchases by channel over STEPS of the model's customers, of the reference, and of each
    variant, all from the same state and offer; and the model, supply and reference after."""
    model, supply, reference = side_by_side(CUSTOMERS, YEAR, SEED, SEED)
    variants = {cls: IdiomaticCustomers(model, supply, rng=SEED, shopper=cls)
                for cls in VARIANTS}
    fast = model_purchases(model, supply, STEPS)
    slow = reference_purchases(reference, STEPS)
    changed = {cls: reference_purchases(v, STEPS) for cls, v in variants.items()}
    return fast, slow, changed, model, supply, reference


def test_idiomatic_reference_gives_the_models_channel_shares(side_by_side_run):
    fast, slow, _, model, _, reference = side_by_side_run
    assert (fast > 100).all() and (slow > 100).all(), (fast, slow)  # every channel in use
    assert chi2_contingency(np.vstack([fast, slow])).pvalue > 0.001
    # Both keep one HomePrinter agent per printer owner.
    owners = sum(a.printer > 0 for a in reference.shoppers)
    assert owners > 0
    assert len(reference.agents_by_type[HomePrinter]) == owners
    assert len(model.agents_by_type[HomePrinter]) == int(model.customers.owners.sum())


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda cls: cls.__name__)
def test_idiomatic_reference_detects_a_different_rule(side_by_side_run, variant):
    """The check has power: a reference with one rule changed fails it."""
    fast, _, changed, _, _, _ = side_by_side_run
    assert chi2_contingency(np.vstack([fast, changed[variant]])).pvalue < 1e-6


def test_idiomatic_reference_values_each_channel_as_the_model_does(side_by_side_run):
    """Same state, same urgency and design draws: every shopper's channel utilities, printer
    keenness and neighbour shares are the model's (the chi-squared check covers the draws)."""
    _, _, _, model, supply, _ = side_by_side_run
    reference = IdiomaticCustomers(model, supply, rng=0)  # a copy of the state now
    reference.shoppers.do("observe")
    pop, K = model.customers, len(model.categories)
    rng = np.random.default_rng(1)
    who = np.repeat(np.arange(pop.n), K)
    what = np.tile(np.arange(K), pop.n)
    found = rng.random(len(who)) < 0.5
    urgency = rng.exponential(1.0, len(who))
    shoppers = pop.shoppers(who, what, np.asarray(model.social.neighbour_mean(pop.usage)))
    shoppers.time_value *= urgency
    shoppers.design_found = found
    s = model.scenario
    expected = utilities(supply.offer, shoppers, s.habit_weight, s.social_weight)

    by_index = sorted(reference.shoppers, key=lambda a: a.index)
    got = np.full(expected.shape, -np.inf)
    for row, (i, k) in enumerate(zip(who, what, strict=True)):
        a = by_index[i]
        time_value = a.time_value * urgency[row]
        for c in range(len(CHANNELS)):
            if a.can_use(c, int(k), bool(found[row])):
                got[row, c] = a.utility(c, int(k), time_value)
    assert (np.isfinite(got) == np.isfinite(expected)).all()
    assert np.isfinite(expected).any(axis=0).all()  # every channel available to someone
    np.testing.assert_allclose(got[np.isfinite(got)], expected[np.isfinite(expected)],
                               rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose([a.keenness() for a in by_index], pop.keenness(), rtol=1e-12)
    seen = np.asarray(model.social.neighbour_mean(
        np.column_stack([pop.internet, pop.owners]).astype(np.float32)))
    np.testing.assert_allclose([(a.seen_internet, a.seen_owners) for a in by_index], seen,
                               atol=1e-6)


def test_idiomatic_reference_needs_an_explicit_graph():
    s = load_scenario("baseline", {"n_customers": 100, "social_network": "complete"})
    model = MarketModel(s, rng=1)
    with pytest.raises(ValueError, match="explicit social graph"):
        IdiomaticCustomers(model, build_supply(model))


def test_run_script_prints_every_figure_of_a_small_run():
    """Every group of figures but the sweep's (Dask clusters: slow to start; its code does not
    touch the customers); --quick makes the idiomatic comparison small (2,000 customers)."""
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--sizes", "300,600",
                           "--skip", "sweep"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    for name in ("baseline_300_wall_s", "customer_steps_per_s_600", "network_share_600",
                 "us_per_customer_step_300_1990_2019", "us_per_customer_step_600_2020_2050",
                 "scaling_600_over_300", "marginal_bytes_per_customer_300_600", "machine_cpu",
                 "ratio_vs_idiomatic_mesa", "shares_chi2_p", "load_average_end"):
        assert name in figures, name
    assert float(figures["baseline_600_peak_mb"]) > 0
    assert 0 < float(figures["network_share_600"]) < 1
    for name in CHANNELS:  # the reference is compared where every channel is used
        assert float(figures[f"share_{name}_vectorised"]) > 0, name
        assert float(figures[f"share_{name}_idiomatic"]) > 0, name
    assert figures["shares_match"] == "True"
