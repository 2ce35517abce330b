"""The Bass diffusion model (Bass 1969): the docking reference for printer adoption.

The ``bass`` preset makes MarketModel's printer adoption the agent form of this model (Rand &
Rust 2011): on the complete graph every non-adopter adopts within a step with probability
p + q F, p and q per step and F the adopter share at the start of the step.
"""

from __future__ import annotations

import numpy as np


def bass_recursion(p: float, q: float, steps: int, start: float = 0.0) -> np.ndarray:
    """Expected adopter share after each of ``steps`` synchronous steps (p, q per step).

    F_t = F_{t-1} + (p + q F_{t-1}) (1 - F_{t-1}).

    >>> bass_recursion(0.1, 0.0, 2).round(3).tolist()
    [0.1, 0.19]
    """
    out = np.empty(steps)
    f = start
    for t in range(steps):
        f = f + min(p + q * f, 1.0) * (1.0 - f)
        out[t] = f
    return out


def bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Continuous Bass adopter share F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

    p and q per unit of t (per year with t in years).

    >>> float(bass_closed_form(0.03, 0.38, np.array([0.0]))[0])
    0.0
    """
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)
