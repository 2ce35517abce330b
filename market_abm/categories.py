"""Product categories and store types: the shipped tables (see data/README.md for units).

A category is a merchandise line with its demand (purchases a year, items per purchase), costs,
how much an exact match and inspection matter to buyers, and how printable it is; every
category is sold in stores of one store type (``store_types.csv``: margin and fixed cost).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
import pandas as pd

COLUMNS = ("category", "store_type", "shopping", "purchases_per_year", "items_per_purchase",
           "unit_cost", "bulk", "parcels", "long_tail", "store_coverage", "listing_reach", "touch",
           "personalisation", "printability", "print_quality_max", "printable_share",
           "printable_share_max", "material_cost", "print_hours")
STORE_COLUMNS = ("store_type", "naics", "margin", "fixed_cost")


@dataclass(frozen=True)
class StoreTypes:
    """Per store type arrays of length T: gross margin (fraction of landed cost) and the
    fixed cost of one store ($ / year)."""

    names: tuple[str, ...]
    naics: tuple[str, ...]
    margin: np.ndarray
    fixed_cost: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Categories:
    """Per-category arrays, all of length K, sorted by printability (easiest first; the
    categories with no printable item in the table last, in the table's order).

    ``store_type`` holds the index of each category's store type in ``stores``.
    ``printable_share`` is the share printable today; :meth:`with_multi_material` gives the
    table of a year where multi-material printing has widened it towards
    ``printable_share_max``.
    """

    names: tuple[str, ...]
    store_type: np.ndarray
    shopping: np.ndarray
    purchases_per_year: np.ndarray
    items_per_purchase: np.ndarray
    unit_cost: np.ndarray
    bulk: np.ndarray
    parcels: np.ndarray
    long_tail: np.ndarray
    store_coverage: np.ndarray
    listing_reach: np.ndarray
    touch: np.ndarray
    personalisation: np.ndarray
    printability: np.ndarray
    print_quality_max: np.ndarray
    printable_share: np.ndarray
    printable_share_max: np.ndarray
    material_cost: np.ndarray
    print_hours: np.ndarray
    stores: StoreTypes

    def __len__(self) -> int:
        return len(self.names)

    @property
    def items_per_year(self) -> np.ndarray:
        """Items bought per household and year (units / household / year)."""
        return self.purchases_per_year * self.items_per_purchase

    def decisions(self, cap: float) -> np.ndarray:
        """Channel decisions a household takes per category and year (decisions / household /
        year): one per shopping occasion, at most ``cap``; a category with more occasions
        takes them in batches of ``batch(cap)`` occasions on one channel (a decision is the
        unit the customers' step simulates, so its cost follows decisions, not occasions)."""
        return np.minimum(self.purchases_per_year, cap)

    def batch(self, cap: float) -> np.ndarray:
        """Shopping occasions per simulated decision (>= 1; see ``decisions``)."""
        return self.purchases_per_year / self.decisions(cap)

    def with_spending(self, index: float) -> Categories:
        """The table when spending per household is ``index`` times its start: every
        category's shopping occasions scaled by it (order sizes and prices unchanged).

        >>> cat = load_categories()
        >>> float(cat.with_spending(1.5).items_per_year.sum() / cat.items_per_year.sum())
        1.5
        """
        if index == 1.0:
            return self
        return replace(self, purchases_per_year=self.purchases_per_year * index)

    @property
    def printable(self) -> np.ndarray:
        """Categories some printer capability in [0, 1] can print (bool, K)."""
        return (self.printability <= 1.0) & (self.print_quality_max > 0) & (
            self.printable_share > 0)

    def with_multi_material(self, capability: float, reach: float,
                            threshold: float) -> Categories:
        """The table when the home frontier is at ``capability``: each category's printable
        share rises from ``printable_share`` towards ``printable_share_max`` by ``reach``
        (fraction of the gap that multi-material printing ever closes) times a ramp that
        opens once capability passes max(printability, ``threshold``) and is complete at
        capability 1. ``reach`` 0 returns this table unchanged.

        >>> cat = load_categories()
        >>> cat.with_multi_material(0.99, 0.0, 0.85) is cat
        True
        >>> bool((cat.with_multi_material(0.5, 1.0, 0.85).printable_share
        ...       == cat.printable_share).all())  # below the threshold: today's shares
        True
        """
        if reach == 0:
            return self
        start = np.maximum(self.printability, threshold)
        ramp = np.clip((capability - start) / np.maximum(1.0 - start, 1e-9), 0.0, 1.0)
        share = self.printable_share + reach * (self.printable_share_max
                                                - self.printable_share) * ramp
        return replace(self, printable_share=share)

    def opens_at(self, reach: float, threshold: float) -> np.ndarray:
        """Home capability from which some items of each category are printable (capability
        index; inf for a category that never is): its printability if some items are
        printable today, else, when multi-material printing reaches it (``reach`` > 0 and a
        ``printable_share_max`` above 0), max(printability, ``threshold``).

        >>> cat = load_categories()
        >>> bool(np.isinf(cat.opens_at(0.0, 0.85)[cat.index("clothing")]))
        True
        >>> float(cat.opens_at(0.5, 0.85)[cat.index("clothing")])
        0.85
        """
        later = (reach > 0) & (self.printable_share_max > 0) & (self.printability <= 1)
        return np.where(self.printable, self.printability,
                        np.where(later, np.maximum(self.printability, threshold), np.inf))

    def with_uniform_fit(self, weights: np.ndarray) -> Categories:
        """The rival table of 'price and size alone': every category's long_tail,
        store_coverage, listing_reach and touch set to their means weighted by ``weights``
        (spending), so that categories differ only in price, order size, bulk and
        printability. A category nothing of which is sold online (listing_reach 0) keeps
        that.

        >>> cat = load_categories()
        >>> eq = cat.with_uniform_fit(cat.items_per_year * cat.unit_cost)
        >>> float(eq.touch[cat.index("books")]) == float(eq.touch[cat.index("clothing")])
        True
        """
        online = self.listing_reach > 0
        w = np.asarray(weights, dtype=float)

        def mean(values: np.ndarray, where: np.ndarray) -> float:
            return float(np.average(values[where], weights=w[where]))

        every = np.ones(len(self), dtype=bool)
        return replace(
            self, long_tail=np.full(len(self), mean(self.long_tail, every)),
            store_coverage=np.full(len(self), mean(self.store_coverage, every)),
            listing_reach=np.where(online, mean(self.listing_reach, online), 0.0),
            touch=np.full(len(self), mean(self.touch, every)))

    def index(self, name: str) -> int:
        """Position of a category by name."""
        return self.names.index(name)

    def reference_prices(self, scenario) -> np.ndarray:
        """Shop price per item and category at the start ($ / item): the producer's markup,
        the carrier's bulk fee and the store type's margin on the unit cost. The yardstick
        of the customers' utilities and the weights of spending by category."""
        s = scenario
        landed = self.unit_cost * (1 + s.producer_markup) + s.bulk_cost * self.bulk * (
            1 + s.logistics_margin)
        return landed * (1 + self.stores.margin[self.store_type])


def _read(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    with resources.files("market_abm.data").joinpath(name).open() as fh:
        table = pd.read_csv(fh, dtype={"naics": str})
    missing = set(columns) - set(table.columns)
    if missing:
        raise ValueError(f"{name} lacks columns: {', '.join(sorted(missing))}")
    return table


def load_categories() -> Categories:
    """Read market_abm/data/categories.csv and store_types.csv."""
    stores = _read("store_types.csv", STORE_COLUMNS)
    types = StoreTypes(names=tuple(stores["store_type"]), naics=tuple(stores["naics"]),
                       margin=stores["margin"].to_numpy(float),
                       fixed_cost=stores["fixed_cost"].to_numpy(float))
    table = _read("categories.csv", COLUMNS)
    unknown = set(table["store_type"]) - set(types.names)
    if unknown:
        raise ValueError(f"categories.csv names unknown store types: {sorted(unknown)}")
    bad = table[(table["printable_share_max"] < table["printable_share"])
                | (table["printable_share_max"] > 1)]
    if len(bad):
        raise ValueError("categories.csv: printable_share_max must lie between printable_share "
                         f"and 1; it does not for {', '.join(bad['category'])}")
    # easiest first; a category with nothing printable today (printable_share 0) goes last
    key = table["printability"].where(table["printable_share"] > 0, np.inf)
    table = table.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
    arrays = {c: table[c].to_numpy(dtype=float) for c in COLUMNS[2:]}
    store_type = np.array([types.names.index(t) for t in table["store_type"]])
    return Categories(names=tuple(table["category"]), store_type=store_type, stores=types,
                      **arrays)
