"""Demand: purchases arriving per category as Poisson processes over the customers."""

from __future__ import annotations

import numpy as np


def draw_purchases(n_customers: int, rate_per_step: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Customer and category index of each purchase in one step.

    Every customer buys category k at rate ``rate_per_step[k]`` (units per step); the number
    of purchases per category is Poisson(n * rate) and each falls on a uniformly drawn
    customer, which is the same as independent Poisson demand per customer.
    """
    counts = rng.poisson(n_customers * rate_per_step)
    category = np.repeat(np.arange(len(rate_per_step)), counts)
    customer = rng.integers(0, n_customers, size=counts.sum())
    return customer, category
