"""Product categories: the shipped table of printability thresholds, costs and demand."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

COLUMNS = ("category", "printability", "unit_cost", "bulk", "personalisation",
           "purchases_per_year", "material_cost", "print_hours")


@dataclass(frozen=True)
class Categories:
    """Per-category arrays, all of length K (see data/README.md for units)."""

    names: tuple[str, ...]
    printability: np.ndarray
    unit_cost: np.ndarray
    bulk: np.ndarray
    personalisation: np.ndarray
    purchases_per_year: np.ndarray
    material_cost: np.ndarray
    print_hours: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


def load_categories() -> Categories:
    """Read market_abm/data/categories.csv, sorted by printability (easiest first)."""
    with resources.files("market_abm.data").joinpath("categories.csv").open() as fh:
        table = pd.read_csv(fh)
    missing = set(COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"categories.csv lacks columns: {', '.join(sorted(missing))}")
    table = table.sort_values("printability", kind="stable").reset_index(drop=True)
    arrays = {c: table[c].to_numpy(dtype=float) for c in COLUMNS[1:]}
    return Categories(names=tuple(table["category"]), **arrays)
