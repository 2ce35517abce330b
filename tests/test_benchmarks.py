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
    model_purchases,
    reference_purchases,
    side_by_side,
)
from market_abm import MarketModel, load_scenario
from market_abm.agents import HomePrinter
from market_abm.pricing import build_supply

ROOT = Path(__file__).resolve().parent.parent


def shares_after(customers: int, year: int, steps: int, seed: int, **overrides):
    """Purchases by channel of the model's customer step and of the reference, same start."""
    model, supply, reference = side_by_side(customers, year, seed, seed, **overrides)
    return (model_purchases(model, supply, steps), reference_purchases(reference, steps),
            model, reference)


def test_idiomatic_reference_gives_the_models_channel_shares():
    fast, slow, model, reference = shares_after(2000, 2036, 4, seed=3)
    assert (fast[:3] > 100).all() and (slow[:3] > 100).all()  # three channels well used
    used = (fast + slow) > 0
    assert chi2_contingency(np.vstack([fast[used], slow[used]])).pvalue > 0.001
    # Both keep one HomePrinter agent per printer owner.
    owners = sum(a.printer > 0 for a in reference.shoppers)
    assert len(reference.agents_by_type[HomePrinter]) == owners
    assert len(model.agents_by_type[HomePrinter]) == int(model.customers.owners.sum())


def test_idiomatic_reference_detects_a_different_rule():
    """The check has power: customers who ignore habit and neighbours choose differently."""
    fast, _, _, _ = shares_after(2000, 2036, 4, seed=3)
    _, slow, _, _ = shares_after(2000, 2036, 4, seed=3, habit_weight=0.0, social_weight=0.0)
    assert chi2_contingency(np.vstack([fast, slow])[:, (fast + slow) > 0]).pvalue < 1e-6


def test_idiomatic_reference_needs_an_explicit_graph():
    s = load_scenario("baseline", {"n_customers": 100, "social_network": "complete"})
    model = MarketModel(s, rng=1)
    with pytest.raises(ValueError, match="explicit social graph"):
        IdiomaticCustomers(model, build_supply(model))


def test_run_script_prints_every_figure_of_a_small_run():
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--sizes", "300,600",
                           "--skip", "idiomatic", "--skip", "sweep"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    for name in ("baseline_300_wall_s", "customer_steps_per_s_600", "network_share_600",
                 "us_per_customer_step_300_1990_2019", "us_per_customer_step_600_2020_2050",
                 "scaling_600_over_300", "marginal_bytes_per_customer_300_600", "machine_cpu"):
        assert name in figures, name
    assert float(figures["baseline_600_peak_mb"]) > 0
    assert 0 < float(figures["network_share_600"]) < 1
