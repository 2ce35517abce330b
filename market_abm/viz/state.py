"""One browser session's run: the model, what the views draw, and the controls' actions.

The page keeps one ``Session`` per browser session (created in a component, never at module
level), so stepping in one tab changes nothing in another. Views never read the model while it
steps: after every step the session takes a ``Snapshot`` under its lock, and views draw that.

Example:
    >>> s = Session(Settings(edits={"n_customers": 200}))
    >>> s.step(3).year
    1990
    >>> s.snapshot.steps
    3
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import networkx as nx
import numpy as np
import pandas as pd

from market_abm.categories import load_categories
from market_abm.flows import empty_flows
from market_abm.model import MarketModel
from market_abm.network import FIRM_COLUMNS, build_graph
from market_abm.scenario import (
    PRESETS,
    Scenario,
    ScenarioError,
    load_scenario,
    make_scenario,
    parse_value,
    scenario_values,
)

log = logging.getLogger(__name__)

# Largest scenario file the page accepts (bytes): a scenario is a few kilobytes.
MAX_FILE_BYTES = 1_000_000
# Most customers the page runs (parameter box and files), so that a step stays interactive.
MAX_CUSTOMERS = 20_000


@functools.cache
def _preset_values(name: str) -> dict[str, Any]:
    return load_scenario(name).model_dump()


@dataclass(frozen=True)
class Settings:
    """What the controls set: a preset or a loaded scenario file, the user's edits of single
    parameters on top of it, and the seed of the run.

    ``file_name`` and ``file_values`` ((key, value) pairs) are the scenario file loaded in
    the page, if any; it replaces the preset. ``edits``: (key, value) pairs, sorted by key
    (a dict is accepted and sorted); an edit back to the source's value is dropped.

    >>> s = Settings(edits={"n_customers": 300}).with_value("social_weight", 0.4)
    >>> s.edits, s.value("habit_weight") == Scenario().habit_weight
    ((('n_customers', 300), ('social_weight', 0.4)), True)
    """

    preset: str = "baseline"
    file_name: str | None = None
    file_values: tuple[tuple[str, Any], ...] = ()
    edits: tuple[tuple[str, Any], ...] | dict[str, Any] = ()
    seed: int = 1

    def __post_init__(self):
        object.__setattr__(self, "edits", tuple(sorted(dict(self.edits).items())))

    def source_values(self) -> dict[str, Any]:
        """Every parameter's value in the preset or file, before the edits."""
        if self.file_name is not None:
            return {**Scenario().model_dump(), **dict(self.file_values)}
        return _preset_values(self.preset)

    def value(self, key: str) -> Any:
        """The value of one parameter in these settings (edited or the source's)."""
        return dict(self.edits).get(key, self.source_values()[key])

    def with_value(self, key: str, value: Any) -> Settings:
        """These settings with parameter ``key`` set to ``value`` (not checked here)."""
        edits = dict(self.edits)
        if value == self.source_values()[key] and type(value) is type(
                self.source_values()[key]):
            edits.pop(key, None)
        else:
            edits[key] = value
        return replace(self, edits=edits)

    def scenario(self) -> Scenario:
        """The scenario these settings make (raises ScenarioError)."""
        if self.file_name is not None:
            return make_scenario({**dict(self.file_values), **dict(self.edits)})
        return load_scenario(self.preset, dict(self.edits))

    @property
    def source(self) -> str:
        """Where the run's parameters come from, for the page: preset or file."""
        return (f"scenario file {self.file_name}" if self.file_name is not None
                else f"preset {self.preset}")

    def with_preset(self, name: str) -> Settings:
        """These settings moved to another preset, without edits (a loaded file is
        dropped)."""
        if name not in PRESETS:
            raise ScenarioError(f"unknown preset '{name}': allowed presets are "
                                f"{', '.join(PRESETS)}")
        return replace(self, preset=name, file_name=None, file_values=(), edits=())

    def with_file(self, name: str, content: bytes) -> Settings:
        """These settings with the scenario file ``name`` (its bytes) in place of the preset,
        without edits; raises ScenarioError, naming the file, when it is not a scenario the
        page can run."""
        if len(content) > MAX_FILE_BYTES:
            raise ScenarioError(f"scenario file {name}: {len(content):,} bytes, more than the "
                                f"{MAX_FILE_BYTES:,} a scenario file can have")
        values = scenario_values(content, Path(name))
        try:
            scenario = make_scenario(values)
        except ScenarioError as exc:
            raise ScenarioError(f"scenario file {name}: {exc}") from None
        if scenario.n_customers > MAX_CUSTOMERS:
            raise ScenarioError(f"scenario file {name}: n_customers {scenario.n_customers:,} is "
                                f"above the page's {MAX_CUSTOMERS:,}; run it with `market-abm "
                                "run --scenario FILE`")
        return replace(self, file_name=name, file_values=tuple(values.items()), edits=())


def to_query(settings: Settings) -> str:
    """The settings as a URL query: ``preset=NAME``, ``seed``, then each edited parameter as
    ``key=value``; for a loaded file ``file=NAME``, ``seed``, then the file's values with the
    edits over them."""
    if settings.file_name is None:
        pairs = [("preset", settings.preset), ("seed", settings.seed), *settings.edits]
    else:  # the file's values with the edits over them
        values = {**dict(settings.file_values), **dict(settings.edits)}
        pairs = [("file", settings.file_name), ("seed", settings.seed), *values.items()]
    return urlencode([(k, _query_value(v)) for k, v in pairs if v is not None])


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def from_query(query: str | None) -> Settings:
    """Settings from a URL query written by ``to_query``; ScenarioError (one line) when it
    does not make settings the page can run."""
    pairs = parse_qsl(query or "", keep_blank_values=True)
    values: dict[str, Any] = {}
    for key, text in pairs:
        if key in values:
            raise ScenarioError(f"link: '{key}' is given twice")
        values[key] = text
    seed_text = values.pop("seed", "1")
    if not seed_text.isdigit() or int(seed_text) >= 2**63:
        raise ScenarioError(f"link: seed must be a whole number from 0 to 2**63 - 1, "
                            f"got '{seed_text}'")
    file_name, name = values.pop("file", None), values.pop("preset", "baseline")
    params = {k: parse_value(v) for k, v in values.items()}
    if file_name is not None:
        settings = Settings(file_name=file_name, file_values=tuple(params.items()),
                            seed=int(seed_text))
    else:
        if name not in PRESETS:
            raise ScenarioError(f"link: unknown preset '{name}' (allowed: "
                                f"{', '.join(PRESETS)})")
        settings = Settings(preset=name, edits=params, seed=int(seed_text))
    try:
        scenario = settings.scenario()
    except ScenarioError as exc:
        raise ScenarioError(f"link: {exc}") from None
    if scenario.n_customers > MAX_CUSTOMERS:
        raise ScenarioError(f"link: n_customers {scenario.n_customers:,} is above the page's "
                            f"{MAX_CUSTOMERS:,}")
    return settings


def preset_settings(name: str = "baseline", seed: int = 1) -> Settings:
    """Settings of a preset, without edits."""
    return Settings(seed=seed).with_preset(name)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the views draw, taken right after a step (never changed afterwards).

    timeseries: one row per step so far (MarketModel.timeseries columns); steps: steps done;
    n_steps: steps in the scenario; year, month: of the latest step (start year, 0 before any);
    customers: x, y (km), printer capability (0 if none) and internet access per customer;
    stores, hubs: (n, 2) sites in km of open retailers and print hubs (store_ids, hub_ids:
    their agent ids, in the same order); closed, closed_firms: (n, 2) sites in km and
    (role, id) of the stores and hubs that left at the review of a December step (empty in
    other months); region_km: side of the
    region; network: the flows of the year so far (flows.FLOW_COLUMNS; after a December step,
    the closed year); graph: the supply network of those flows (network.build_graph: nodes
    ``role:id`` with ``role`` and ``throughput``, including idle firms and every customer
    segment); thresholds: {category: capability from which some of its items are printable}
    of the categories that ever are (``printable_from``);
    segment_grid: segments per side of the customers' grid; firm_cap: most firms of one role
    the run can have (the most numerous role at the start plus every producer entry); run:
    counts the session's runs (views rebuild their frame when it changes); version: counts
    its snapshots (views redraw).
    """

    timeseries: pd.DataFrame
    steps: int
    n_steps: int
    start_year: int
    end_year: int
    year: int
    month: int
    customers: dict[str, np.ndarray]
    stores: np.ndarray
    hubs: np.ndarray
    region_km: float
    network: pd.DataFrame
    graph: nx.DiGraph
    thresholds: dict[str, float]
    segment_grid: int
    firm_cap: int = 1
    run: int = 0
    version: int = 0
    store_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    hub_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    closed: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    closed_firms: tuple[tuple[str, int], ...] = ()

    @property
    def ended(self) -> bool:
        """The run has done its last step (December of end_year)."""
        return self.steps >= self.n_steps

    @property
    def last(self) -> dict[str, Any]:
        """The latest step's row ({} before the first step)."""
        return {} if self.timeseries.empty else self.timeseries.iloc[-1].to_dict()


@functools.cache
def _categories():
    """The product categories (read once: every snapshot needs their thresholds)."""
    return load_categories()


def printable_from(scenario: Scenario) -> dict[str, float]:
    """{category: home capability from which some of its items are printable} for the
    categories a run of ``scenario`` can ever print (Categories.opens_at)."""
    categories = _categories()
    levels = categories.opens_at(scenario.multi_material_reach,
                                 scenario.multi_material_threshold)
    return {name: float(level) for name, level in zip(categories.names, levels, strict=True)
            if level <= 1}


def firm_cap(scenario: Scenario, first_counts: int) -> int:
    """Most firms of one role a run can have: the most numerous role at the start
    (``first_counts``) plus every producer entry the scenario allows."""
    return first_counts + scenario.max_entries_per_year * len(_categories().names) * (
        scenario.end_year - scenario.start_year + 1)


SITED_ROLES = ("retailer", "print_hub")  # the firms the map places


def _sites(firms: list) -> np.ndarray:
    return np.array([(f.x, f.y) for f in firms], dtype=float).reshape(-1, 2)


def _after_review(m: MarketModel) -> bool:
    """The model's latest step was a December: the yearly review has just run."""
    return bool(m.rows) and m.month == m.scenario.steps_per_year - 1


def _ids(firms: list) -> np.ndarray:
    return np.array([f.unique_id for f in firms], dtype=int)


class Session:
    """A model run driven by the page's controls; thread-safe (play runs in a thread).

    Args:
        settings: preset, overrides and seed of the first run.

    Raises:
        ScenarioError: the settings do not make a valid scenario (the page shows the message).
    """

    def __init__(self, settings: Settings | None = None):
        self._lock = threading.RLock()
        self._version = 0
        self._run = 1
        self.settings = settings or preset_settings()
        self.model = self._build(self.settings)
        self.years: dict[int, Snapshot] = {}  # the December snapshot of each closed year
        self.snapshot = self._take()

    @staticmethod
    def _build(settings: Settings) -> MarketModel:
        scenario = settings.scenario()
        seed = settings.seed
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ScenarioError(f"seed: must be a whole number >= 0, got {seed!r}")
        try:
            return MarketModel(scenario, rng=int(seed))
        except Exception as exc:  # a valid scenario the model cannot start from
            log.warning("model could not start: %r", exc)
            raise ScenarioError(f"the model could not start with these values: {exc}") from None

    def reset(self, settings: Settings | None = None) -> Snapshot:
        """A fresh run with ``settings`` (the current ones if None); raises ScenarioError and
        keeps the current run when they are invalid."""
        settings = settings or self.settings
        model = self._build(settings)
        with self._lock:
            self.settings, self.model = settings, model
            self._run += 1
            self.years = {}
            self.snapshot = self._take()
            return self.snapshot

    def step(self, n: int = 1, model: MarketModel | None = None) -> Snapshot:
        """Advance up to ``n`` steps (never past the last year) and take a snapshot; the
        snapshot of every December passed is kept in ``years`` (the year scrubber's).

        ``model``: step only if it is still the session's model (a play loop started before a
        reset must not step the new run).
        """
        with self._lock:
            if model is not None and model is not self.model:
                return self.snapshot
            m = self.model
            snap = None
            for _ in range(n):
                if not m.running:
                    break
                m.step()
                snap = None
                if m.month == m.scenario.steps_per_year - 1:  # a December: the year closed
                    snap = self.years[m.year] = self._take()
            self.snapshot = snap or self._take()
            return self.snapshot

    def closed_years(self) -> list[int]:
        """The years whose December snapshot is kept, in order."""
        with self._lock:
            return sorted(self.years)

    def year_snapshot(self, year: int) -> Snapshot | None:
        """The December snapshot of ``year`` if the run has closed it, else None."""
        with self._lock:
            return self.years.get(year)

    def publish(self, show: Callable[[Snapshot], None]) -> None:
        """Hand the latest snapshot to ``show`` under the lock: a play step that ends during a
        reset then cannot show the old run after the new one."""
        with self._lock:
            show(self.snapshot)

    def _network(self) -> pd.DataFrame:
        m = self.model
        if not m.rows:
            return empty_flows()
        if _after_review(m):
            closed = m.ledger.tables[-1] if m.ledger.tables else empty_flows()
            return closed if len(closed) and closed["year"].iloc[0] == m.year else empty_flows()
        return m.ledger.year_so_far(m.year, m.node_ids())

    def _firms(self) -> pd.DataFrame:
        """Firm-table rows (network.build_graph) of the firms the latest flows ran through."""
        m = self.model
        current = pd.DataFrame(m.firm_snapshot(), columns=FIRM_COLUMNS)
        if _after_review(m) and m.firm_rows:
            # December: the review has replaced the firm lists since the year's flows
            table = m.firm_table
            return pd.concat([table[table["year"] == m.year][current.columns],
                              current.assign(year=m.year + 1)], ignore_index=True)
        return current

    def _take(self) -> Snapshot:
        m, s = self.model, self.model.scenario
        pop = m.customers
        network = self._network()
        graph = build_graph(network, self._firms(), m.year, m.n_segments)
        return Snapshot(
            timeseries=pd.DataFrame(m.rows), steps=len(m.rows), n_steps=s.n_steps,
            start_year=s.start_year, end_year=s.end_year, year=m.year,
            month=m.rows[-1]["month"] if m.rows else 0,
            customers={"x": pop.x.copy(), "y": pop.y.copy(), "printer": pop.printer.copy(),
                       "internet": pop.internet.copy()},
            stores=_sites(m.firm_lists["retailer"]), hubs=_sites(m.firm_lists["print_hub"]),
            region_km=s.region_size_km, network=network, graph=graph,
            thresholds=printable_from(s),
            segment_grid=s.segment_grid,
            firm_cap=firm_cap(s, max(len(firms) for firms in m.firm_lists.values())),
            run=self._run, version=self._next_version(),
            store_ids=_ids(m.firm_lists["retailer"]), hub_ids=_ids(m.firm_lists["print_hub"]),
            **self._closed())

    def _closed(self) -> dict[str, Any]:
        """Sites and (role, id) of the stores and hubs the review of this step closed."""
        m = self.model
        if not _after_review(m):
            return {}
        left = {(r, i) for y, r, i in m.exited if y == m.year and r in SITED_ROLES}
        rows = []
        for row in reversed(m.firm_rows):  # the review appends this year's rows last
            if row["year"] != m.year:
                break
            if (row["role"], row["id"]) in left:
                rows.append(row)
        rows.reverse()
        return {"closed": np.array([(r["x"], r["y"]) for r in rows], dtype=float).reshape(-1, 2),
                "closed_firms": tuple((r["role"], int(r["id"])) for r in rows)}

    def _next_version(self) -> int:
        self._version += 1
        return self._version
