"""The flow ledger: units and money passed between agents, accumulated per year.

A flow is (kind, source role, destination role) with two matrices, units and value, of shape
(sources, destinations). Kinds: ``goods`` (classic flow), ``parcel`` (home delivery),
``design`` (a design file), ``material`` (printing material) and ``print_job`` (a printed object
from a hub). The value of a flow is what the destination pays for everything passed on that
edge ($), so a node's value added is its outgoing value minus its incoming value, and the value
added of all nodes sums to what customers spent. Customers appear as spatial segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FLOW_KINDS = ("goods", "parcel", "design", "material", "print_job")
FLOW_COLUMNS = ["year", "kind", "src_role", "src_id", "dst_role", "dst_id", "units", "value"]
FLOW_DTYPES = {"year": "int64", "kind": "object", "src_role": "object", "src_id": "int64",
               "dst_role": "object", "dst_id": "int64", "units": "float64", "value": "float64"}


def empty_flows() -> pd.DataFrame:
    """A flow table with no rows and the right column types."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in FLOW_DTYPES.items()})


@dataclass
class Flow:
    """One step's flow of one kind between two roles (units and $ per edge)."""

    kind: str
    src_role: str
    dst_role: str
    units: np.ndarray
    value: np.ndarray


def value_added(flows: list[Flow], sizes: dict[str, int]) -> dict[str, np.ndarray]:
    """Value added ($) of every node, per role: outgoing minus incoming value."""
    va = {role: np.zeros(n) for role, n in sizes.items()}
    for f in flows:
        va[f.src_role] += f.value.sum(axis=1)
        va[f.dst_role] -= f.value.sum(axis=0)
    return va


class FlowLedger:
    """Accumulates step flows over a year and closes them into a table of edges."""

    def __init__(self):
        self._year: dict[tuple[str, str, str], list[np.ndarray]] = {}
        self.tables: list[pd.DataFrame] = []

    def add(self, flows: list[Flow]) -> None:
        for f in flows:
            key = (f.kind, f.src_role, f.dst_role)
            acc = self._year.get(key)
            if acc is None:
                self._year[key] = [f.units.copy(), f.value.copy()]
            else:
                acc[0] += f.units
                acc[1] += f.value

    def year_so_far(self, year: int, ids: dict[str, list[int]]) -> pd.DataFrame:
        """The open year's edges with units > 0, firm ids as Mesa unique_id, segments 0..n-1
        (``ids`` are this year's node ids: matrix positions follow them)."""
        parts = []
        for (kind, src, dst), (units, value) in self._year.items():
            rows, cols = np.nonzero(units > 0)
            if len(rows):
                parts.append((kind, src, dst, np.asarray(ids[src], dtype=np.int64)[rows],
                              np.asarray(ids[dst], dtype=np.int64)[cols], units[rows, cols],
                              value[rows, cols]))
        if not parts:
            return empty_flows()
        sizes = [len(p[3]) for p in parts]

        def labels(j: int) -> np.ndarray:  # a string column, one label per part
            return np.repeat(np.array([p[j] for p in parts], dtype=object), sizes)

        # one table built from whole columns (one DataFrame per part cost more than the rest)
        return pd.DataFrame({
            "year": np.full(sum(sizes), year, dtype=np.int64), "kind": labels(0),
            "src_role": labels(1), "src_id": np.concatenate([p[3] for p in parts]),
            "dst_role": labels(2), "dst_id": np.concatenate([p[4] for p in parts]),
            "units": np.concatenate([p[5] for p in parts]),
            "value": np.concatenate([p[6] for p in parts])})

    def close_year(self, year: int, ids: dict[str, list[int]]) -> pd.DataFrame:
        """Close the year: its table (``year_so_far``) joins the ledger's tables."""
        table = self.year_so_far(year, ids)
        self._year = {}
        if len(table):
            self.tables.append(table)
        return table

    def table(self) -> pd.DataFrame:
        """All closed years as one table (FLOW_COLUMNS)."""
        if not self.tables:
            return empty_flows()
        return pd.concat(self.tables, ignore_index=True).astype(FLOW_DTYPES)
