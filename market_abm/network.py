"""The supply network: who delivered what to whom, as a weighted networkx graph, and its metrics.

The graph of a year is built from the run's yearly flow ledger (``flows``, see flows.py) and its
firm table (``firms``): nodes are the firms active that year and the customer segments, edges
the flows between them. Data goes one way: model -> flows -> network -> results. See
docs/network.md for the attributes, the metrics and how to open an exported graph in Gephi or
Cytoscape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from market_abm.agents import FIRM_ROLES
from market_abm.flows import FLOW_KINDS, FlowLedger
from market_abm.storage import atomic_write

# Every firm role but the producers stands between producers and customers.
INTERMEDIARY_ROLES = tuple(r for r in FIRM_ROLES if r != "producer")
# Kinds that carry the product towards the customer; material is an input of printing.
PRODUCT_KINDS = ("goods", "parcel", "design", "print_job")
HHI_ROLES = {f"{role}s": role for role in INTERMEDIARY_ROLES}
OLD_ROLES = ("retailer", "logistician")
NEW_ROLES = tuple(r for r in INTERMEDIARY_ROLES if r not in OLD_ROLES)
# A role is disintermediated once its share of units sold stays below this for good.
DISINTERMEDIATION_SHARE = 0.5
FORMATS = ("graphml", "gexf", "json")
EXIT_COLUMNS = ["year", "role", "id"]
# The identity columns of the firm table that the graph reads.
FIRM_COLUMNS = ["year", "role", "id", "entry_year", "x", "y", "converted_from", "store_type"]


def node_name(role: str, ident: int) -> str:
    """The graph's name of a node.

    >>> node_name("retailer", 12)
    'retailer:12'
    """
    return f"{role}:{int(ident)}"


def build_graph(flows: pd.DataFrame, firms: pd.DataFrame, year: int,
                segments: int | None = None) -> nx.DiGraph:
    """The weighted directed supply network of ``year``.

    Nodes are the firms with a row for ``year`` in ``firms`` (the run's firm table) and the
    customer segments 0..segments-1 (or, if ``segments`` is None, the segments that bought
    something). Node attributes: ``role``, ``agent_id`` (Mesa unique_id or segment number),
    ``entry_year`` (-1 for segments), ``converted_from`` (id of the store a hub was, else -1),
    ``active`` (False for a firm that leaves at the review closing ``year``, i.e. has no row
    the next year), ``throughput`` (units passed on; for segments, units bought),
    ``value_added`` ($, outgoing minus incoming value), for stores and hubs ``x``, ``y`` (km)
    and for stores ``store_type``.

    An edge u -> v aggregates the year's flows from u to v: ``units_<kind>`` and
    ``value_<kind>`` for every kind of flows.FLOW_KINDS (0 when absent), their totals ``units``
    and ``value`` ($ the destination paid), ``kinds`` (comma-separated kinds present) and
    ``weight`` (= ``units``, the edge weight Gephi and Cytoscape pick up).

    Example: 30 parcels from producer 1 through carrier 2 to segment 0.

        >>> nan = float("nan")
        >>> firms = pd.DataFrame({"year": 2030, "role": ["producer", "logistician"],
        ...                       "id": [1, 2], "entry_year": 1990, "x": nan, "y": nan,
        ...                       "converted_from": -1})
        >>> flows = pd.DataFrame({"year": 2030, "kind": "parcel",
        ...                       "src_role": ["producer", "logistician"], "src_id": [1, 2],
        ...                       "dst_role": ["logistician", "customers"], "dst_id": [2, 0],
        ...                       "units": 30.0, "value": [150.0, 240.0]})
        >>> G = build_graph(flows, firms, 2030, segments=1)
        >>> sorted(G)
        ['customers:0', 'logistician:2', 'producer:1']
        >>> G.edges["logistician:2", "customers:0"]["value_parcel"]
        240.0
        >>> G.nodes["logistician:2"]["value_added"], G.nodes["customers:0"]["throughput"]
        (90.0, 30.0)
    """
    wide = edge_table(flows[flows["year"] == year])
    return _graph(wide.xs(year, level="year") if len(wide) else wide,
                  firms[firms["year"] == year], firms[firms["year"] == year + 1], year,
                  segments)


def edge_table(flows: pd.DataFrame) -> pd.DataFrame:
    """Flow rows summed per edge and year: index (year, src_role, src_id, dst_role, dst_id),
    columns (units | value, kind). One grouping for a whole run is much faster than one per
    year (network_metrics)."""
    keys = ["year", "src_role", "src_id", "dst_role", "dst_id", "kind"]
    return (flows.astype({"units": "float64", "value": "float64"})
            .groupby(keys)[["units", "value"]].sum().unstack("kind", fill_value=0.0))


def _graph(wide: pd.DataFrame, nodes: pd.DataFrame, following: pd.DataFrame, year: int,
           segments: int | None) -> nx.DiGraph:
    """build_graph from the year's edge_table rows (``wide``, without the year level) and the
    firm-table rows of the year (``nodes``) and of the next (``following``)."""
    staying = set(zip(following["role"], following["id"], strict=True))
    no_following = following.empty  # (a DataFrame property: slow inside the loop)
    G = nx.DiGraph(year=int(year))
    for f in nodes.itertuples(index=False):
        attrs = dict(role=f.role, agent_id=int(f.id), entry_year=int(f.entry_year),
                     converted_from=int(f.converted_from),
                     active=bool(no_following or (f.role, f.id) in staying),
                     throughput=0.0, value_added=0.0)
        if np.isfinite(f.x) and np.isfinite(f.y):
            attrs.update(x=float(f.x), y=float(f.y))
        if getattr(f, "store_type", ""):
            attrs["store_type"] = f.store_type
        G.add_node(node_name(f.role, f.id), **attrs)
    index = wide.index.to_frame(index=False)
    if segments is None:
        bought = index.loc[index["dst_role"] == "customers", "dst_id"].unique()
    for s in range(segments) if segments is not None else sorted(int(i) for i in bought):
        G.add_node(node_name("customers", s), role="customers", agent_id=s, entry_year=-1,
                   converted_from=-1, active=True, throughput=0.0, value_added=0.0)
    _add_edges(G, wide, index)
    return G


def _add_edges(G: nx.DiGraph, wide: pd.DataFrame, index: pd.DataFrame) -> None:
    """Edges and node throughput / value added from the year's edge_table rows (``wide``,
    its index as a frame ``index``; see build_graph)."""
    if wide.empty:
        return
    src = [f"{r}:{i}" for r, i in zip(index["src_role"].to_numpy(object),
                                      index["src_id"].to_numpy(), strict=True)]
    dst = [f"{r}:{i}" for r, i in zip(index["dst_role"].to_numpy(object),
                                      index["dst_id"].to_numpy(), strict=True)]
    unknown = sorted((set(src) | set(dst)) - set(G.nodes))
    if unknown:
        raise ValueError(f"flow touches {unknown[0]}, which is not an active node of "
                         f"{G.graph['year']}")
    zero = np.zeros(len(wide))
    cols = {f"{m}_{k}": wide[(m, k)].to_numpy() if (m, k) in wide else zero
            for k in FLOW_KINDS for m in ("units", "value")}
    units = np.column_stack([cols[f"units_{k}"] for k in FLOW_KINDS])
    cols["units"] = units.sum(axis=1)
    cols["value"] = np.column_stack([cols[f"value_{k}"] for k in FLOW_KINDS]).sum(axis=1)
    product = np.column_stack([cols[f"units_{k}"] for k in PRODUCT_KINDS]).sum(axis=1)
    present = (units > 0) @ (1 << np.arange(len(FLOW_KINDS)))  # a bit per kind present
    label = {b: ",".join(k for j, k in enumerate(FLOW_KINDS) if b >> j & 1)
             for b in np.unique(present).tolist()}
    names = list(cols)
    table = np.column_stack([cols[n] for n in names]).tolist()
    G.add_edges_from((u, v, {**dict(zip(names, row, strict=True)), "kinds": label[bits],
                             "weight": row[-2]})
                     for u, v, row, bits in zip(src, dst, table, present.tolist(), strict=True))
    position = {n: i for i, n in enumerate(G.nodes)}
    s = np.fromiter((position[u] for u in src), np.int64, len(src))
    d = np.fromiter((position[v] for v in dst), np.int64, len(dst))
    added, through = _node_sums(s, d, cols["value"], cols["units"], product, index,
                                len(position))
    for (_, attrs), va, tp in zip(G.nodes(data=True), added.tolist(), through.tolist(),
                                  strict=True):
        attrs["value_added"] += va
        attrs["throughput"] += tp


def _node_sums(s: np.ndarray, d: np.ndarray, value: np.ndarray, units: np.ndarray,
               product: np.ndarray, index: pd.DataFrame, size: int):
    """Value added ($, out - in) and throughput (units) per node, one bincount each, from the
    edge rows' source and destination positions ``s`` and ``d``: a firm's throughput is what
    it passes on (all units), a segment's what it buys (product units)."""
    firm_src = (index["src_role"] != "customers").to_numpy()
    to_customers = (index["dst_role"] == "customers").to_numpy()
    added = np.bincount(s, value, size) - np.bincount(d, value, size)
    through = (np.bincount(s[firm_src], units[firm_src], size)
               + np.bincount(d[to_customers], product[to_customers], size))
    return added, through


def step_graph(model) -> nx.DiGraph:
    """The supply network of the model's latest step (``model.last_flows``), as build_graph.

    Works after any step, including the last step of a year, whose flows ran through the firms
    active before that year's review (taken from ``model.firm_table``).

    Example: after ``model.step()``, ``step_graph(model).graph["year"] == model.year``.
    """
    year = model.year
    current = pd.DataFrame(model.firm_snapshot(year), columns=FIRM_COLUMNS)
    reviewed = model.month == model.scenario.steps_per_year - 1 and model.firm_rows
    if reviewed:  # the year's review has replaced the firm lists since the step's flows
        table = model.firm_table
        firms = pd.concat([table[table["year"] == year], current.assign(year=year + 1)],
                          ignore_index=True)
    else:
        firms = current
    before = firms[firms["year"] == year]
    ids = {role: sorted(before.loc[before["role"] == role, "id"]) for role in FIRM_ROLES}
    ids["customers"] = list(range(model.n_segments))
    for f in model.last_flows:
        if f.units.shape != (len(ids[f.src_role]), len(ids[f.dst_role])):
            raise ValueError(f"{f.kind} flow {f.src_role}->{f.dst_role} has shape "
                             f"{f.units.shape}, the firm lists do not match")
    ledger = FlowLedger()
    ledger.add(model.last_flows)
    return build_graph(ledger.close_year(year, ids), firms, year, model.n_segments)


PRODUCT_COLUMNS = [FLOW_KINDS.index(k) for k in PRODUCT_KINDS]


@dataclass
class YearNetwork:
    """One year's supply network as arrays, in the order of its networkx graph (nodes as
    ``G.nodes``, edges as ``G.edges``): what the metrics read. ``network_metrics`` builds it
    straight from the flow table (the same numbers as from the graph, without a dict per
    edge); ``of_graph`` takes it from any graph.

    roles: role per node; src, dst: node positions per edge; units: (edges, FLOW_KINDS)
    units per kind; throughput: per node (build_graph's node attribute).
    """

    roles: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    units: np.ndarray
    throughput: np.ndarray

    @classmethod
    def of_graph(cls, G: nx.DiGraph) -> YearNetwork:
        position = {n: i for i, n in enumerate(G.nodes)}
        edges = list(G.edges(data=True))
        units = np.array([[d[f"units_{k}"] for k in FLOW_KINDS] for _, _, d in edges],
                         dtype=float).reshape(len(edges), len(FLOW_KINDS))
        return cls(np.array([d["role"] for _, d in G.nodes(data=True)], dtype=object),
                   np.array([position[u] for u, _, _ in edges], dtype=np.int64),
                   np.array([position[v] for _, v, _ in edges], dtype=np.int64), units,
                   np.array([d["throughput"] for _, d in G.nodes(data=True)], dtype=float))

    @classmethod
    def of_table(cls, wide: pd.DataFrame, nodes: pd.DataFrame, year: int,
                 segments: int | None) -> YearNetwork:
        """From the year's edge_table rows (``wide``, without the year level) and firm rows
        (``nodes``), as _graph would build the graph."""
        index = wide.index.to_frame(index=False)
        if segments is None:
            bought = index.loc[index["dst_role"] == "customers", "dst_id"].unique()
            seg = sorted(int(i) for i in bought)
        else:
            seg = list(range(segments))
        roles = np.array(list(nodes["role"]) + ["customers"] * len(seg), dtype=object)
        if wide.empty:
            empty = np.zeros(0, dtype=np.int64)
            return cls(roles, empty, empty, np.zeros((0, len(FLOW_KINDS))),
                       np.zeros(len(roles)))
        keys = _node_keys(roles, np.concatenate([nodes["id"].to_numpy(np.int64),
                                                 np.asarray(seg, dtype=np.int64)]))
        s, s_ok = _positions(keys, index["src_role"], index["src_id"])
        d, d_ok = _positions(keys, index["dst_role"], index["dst_id"])
        if not (s_ok.all() and d_ok.all()):
            unknown = sorted({node_name(r, i) for r, i, ok in zip(
                [*index["src_role"], *index["dst_role"]], [*index["src_id"], *index["dst_id"]],
                [*s_ok, *d_ok], strict=True) if not ok})
            raise ValueError(f"flow touches {unknown[0]}, which is not an active node of "
                             f"{year}")
        zero = np.zeros(len(wide))
        per_kind = {m: np.column_stack([wide[(m, k)].to_numpy() if (m, k) in wide else zero
                                        for k in FLOW_KINDS]) for m in ("units", "value")}
        units = per_kind["units"]
        product = units[:, PRODUCT_COLUMNS].sum(axis=1)
        _, through = _node_sums(s, d, per_kind["value"].sum(axis=1), units.sum(axis=1),
                                product, index, len(roles))
        order = np.argsort(s, kind="stable")  # G.edges: by source node, then as added
        return cls(roles, s[order], d[order], units[order], through)

    def product(self) -> np.ndarray:
        """Units of the product kinds per edge (material excluded)."""
        return self.units[:, PRODUCT_COLUMNS].sum(axis=1)


# Node keys: a code per role (the firm roles, then the customer segments) and the id.
ROLE_CODES = {r: c for c, r in enumerate((*FIRM_ROLES, "customers"))}
_ID_SPAN = 1 << 40


def _node_keys(roles: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """One integer per node (role code x 2^40 + id)."""
    return np.array([ROLE_CODES.get(r, -1) for r in roles], dtype=np.int64) * _ID_SPAN + ids


def _positions(keys: np.ndarray, roles: pd.Series, ids: pd.Series):
    """Positions in ``keys`` (the nodes' keys, graph order) of the nodes (``roles``,
    ``ids``) and whether each is one of them."""
    codes = roles.map(ROLE_CODES).fillna(-1).to_numpy(np.int64)
    wanted = codes * _ID_SPAN + ids.to_numpy(np.int64)
    order = np.argsort(keys)
    at = np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)
    found = (keys[order][at] == wanted) & (codes >= 0)
    return order[at], found


def units_sold(G: nx.DiGraph) -> dict[str, float]:
    """Units bought by customers per role of the seller (goods, parcels, designs, print jobs).

    Material is not counted: a home print is one unit, sold as its design.

    Example: a store selling 10 units and a carrier delivering 30 parcels give
    ``{"retailer": 10.0, "logistician": 30.0}``.
    """
    return _units_sold(YearNetwork.of_graph(G))


def _units_sold(net: YearNetwork) -> dict[str, float]:
    to_customers = net.roles[net.dst] == "customers"
    seller = net.roles[net.src[to_customers]]
    if not len(seller):
        return {}
    names, first, code = np.unique(seller, return_index=True, return_inverse=True)
    totals = np.bincount(code, net.product()[to_customers], len(names))  # in edge order
    sold = {names[j]: float(totals[j]) for j in np.argsort(first)}  # roles as first met
    return {r: units for r, units in sold.items() if units > 0}


def supply_chains(G: nx.DiGraph) -> dict[str, frozenset[str]]:
    """The intermediary roles a unit passes through before a seller of each role hands it on.

    Found on the role-level graph of product flows (material and the designs owners share
    excluded): a seller's chain is its own role and every role upstream of it, producers
    excluded. In this model: retailer -> {logistician, retailer}, logistician ->
    {logistician}, marketplace -> {logistician, marketplace}, platform -> {platform},
    print_hub -> {platform, print_hub}.
    """
    return _supply_chains(YearNetwork.of_graph(G))


def _supply_chains(net: YearNetwork) -> dict[str, frozenset[str]]:
    roles = nx.DiGraph()
    # the designs owners share (edges out of customer segments) are no route of a product
    route = (net.roles[net.src] != "customers") & (net.units[:, PRODUCT_COLUMNS] > 0).any(axis=1)
    roles.add_edges_from(set(zip(net.roles[net.src[route]], net.roles[net.dst[route]],
                                 strict=True)))
    return {r: frozenset(({r} | nx.ancestors(roles, r)) - {"producer", "customers"})
            for r in roles if r != "customers"}


def intermediation_index(G: nx.DiGraph) -> float:
    """Mean number of intermediaries between producer and customer per unit sold (count).

    Each unit sold counts the roles of its supply chain (supply_chains); NaN when nothing sold.

    Example: 10 units through logistician and store (2) and 30 parcels (1):
    (10 * 2 + 30 * 1) / 40 = 1.25.
    """
    return _index(units_sold(G), supply_chains(G))


def _index(sold: dict[str, float], chains: dict[str, frozenset[str]]) -> float:
    total = sum(sold.values())
    if total <= 0:
        return float("nan")
    return sum(units * len(chains[role]) for role, units in sold.items()) / total


def flow_shares(G: nx.DiGraph) -> dict[str, float]:
    """Share of the units sold that passed through each intermediary role (fraction, 0-1).

    Shares of different roles add up to more than 1 when chains have several intermediaries.

    Example: 10 units via a store and 30 parcels give logistician 1.0, retailer 0.25.
    """
    return _shares(units_sold(G), supply_chains(G))


def _shares(sold: dict[str, float], chains: dict[str, frozenset[str]]) -> dict[str, float]:
    total = sum(sold.values())
    return {r: (sum(u for s, u in sold.items() if r in chains[s]) / total if total > 0
                else float("nan")) for r in INTERMEDIARY_ROLES}


def role_flow_betweenness(G: nx.DiGraph) -> dict[str, float]:
    """Producer-to-customer flow betweenness, summed over the nodes of each intermediary role.

    For every pair of a producer and a customer segment that its products reach, the share of
    the pair's units that pass through the role's firms, averaged over the pairs (each pair
    weighs the same, as in betweenness: the question is through whom producers reach
    customers), in [0, 1]. Units are routed by proportional mixing: a node passes on what it
    receives in the proportions of its outgoing product units (Leontief's routing of flows
    through a network), so a role carrying a tenth of a pair's units gets a tenth of that
    pair, where shortest-path betweenness gives all or nothing. Material and the designs owners
    share (edges out of customer segments) are not routes of a producer's product.

    Example: a producer selling 10 units through a store and 30 as parcels to one segment:
    logistician 1.0 (every unit), retailer 0.25.
    """
    return _flow_betweenness(YearNetwork.of_graph(G))


def _flow_betweenness(net: YearNetwork) -> dict[str, float]:
    role = net.roles
    out = dict.fromkeys(INTERMEDIARY_ROLES, 0.0)
    n = len(role)
    if n == 0:
        return out
    routing = np.zeros((n, n))
    units = net.product()
    route = (role[net.src] != "customers") & (units > 0)
    routing[net.src[route], net.dst[route]] = units[route]
    total = routing.sum(axis=1, keepdims=True)
    routing = np.divide(routing, total, out=np.zeros_like(routing), where=total > 0)
    # reach[i, j]: share of what node i passes on that arrives at node j (any path length)
    reach = np.linalg.solve(np.eye(n) - routing, np.eye(n))
    producers = np.flatnonzero(role == "producer")
    segments = np.flatnonzero(role == "customers")
    pair = reach[np.ix_(producers, segments)]  # (p, s) share of p's output reaching s
    served = pair > 1e-12
    if not served.any():
        return out
    for r in INTERMEDIARY_ROLES:
        via = np.flatnonzero(role == r)
        if not len(via):
            continue
        through = reach[np.ix_(producers, via)] @ reach[np.ix_(via, segments)]
        out[r] = float((through[served] / pair[served]).mean())
    return out


def hhi(G: nx.DiGraph, role: str) -> float:
    """Herfindahl index of the throughput of the nodes of ``role``: sum of squared shares.

    1 is a monopoly, 1/n an even split among n firms; NaN when the role handled nothing.

    Example: two platforms with throughput 3 and 1: 0.75**2 + 0.25**2 = 0.625.
    """
    return _hhi(YearNetwork.of_graph(G), role)


def _hhi(net: YearNetwork, role: str) -> float:
    units = net.throughput[net.roles == role]
    total = units.sum()
    return float(((units / total) ** 2).sum()) if total > 0 else float("nan")


def graph_metrics(G: nx.DiGraph) -> dict[str, float]:
    """Every metric of one graph as a flat dict (the columns of network_metrics but churn).

    Example: ``graph_metrics(step_graph(model))["intermediation_index"]``.
    """
    return _metrics(YearNetwork.of_graph(G))


def _metrics(net: YearNetwork) -> dict[str, float]:
    row: dict[str, float] = {"nodes": len(net.roles), "edges": len(net.src)}
    roles = net.roles.tolist()
    for role in FIRM_ROLES:
        row[f"firms_{role}"] = roles.count(role)
    sold, chains = _units_sold(net), _supply_chains(net)
    row["units_sold"] = sum(sold.values())
    row["intermediation_index"] = _index(sold, chains)
    row.update({f"flow_share_{r}": s for r, s in _shares(sold, chains).items()})
    row.update({f"flow_betweenness_{r}": b for r, b in _flow_betweenness(net).items()})
    row.update({f"hhi_{name}": _hhi(net, role) for name, role in HHI_ROLES.items()})
    return row


def exits_frame(exited: Iterable) -> pd.DataFrame:
    """The model's ``exited`` list of (year, role, id) as a table with those columns."""
    if isinstance(exited, pd.DataFrame):
        return exited[EXIT_COLUMNS]
    return pd.DataFrame(list(exited), columns=EXIT_COLUMNS)


def network_metrics(flows: pd.DataFrame, firms: pd.DataFrame, exited: Iterable,
                    segments: int | None = None) -> pd.DataFrame:
    """One row per year of the run with the metrics of that year's graph (graph_metrics).

    Besides graph_metrics: ``entries_<role>``, firms in this year's graph that were not in the
    previous year's (entrants and converted stores; 0 in the first year), and ``exits_<role>``,
    firms of this year's graph that leave at the review closing the year (from ``exited``, the
    model's list of (year, role, id); conversions count as exits of the store). So
    firms_<role>(Y+1) = firms_<role>(Y) - exits_<role>(Y) + entries_<role>(Y+1).

    Example: ``network_metrics(model.flows, model.firm_table, model.exited,
    model.n_segments).set_index("year")["intermediation_index"]``.
    """
    exits = exits_frame(exited).groupby(["year", "role"]).size()
    edges = edge_table(flows)
    per_year = {int(y): wide for y, wide in edges.groupby(level="year")} if len(edges) else {}
    firms_of = {int(y): part for y, part in firms.groupby("year")}
    rows, before = [], None
    for year in sorted(firms_of):
        wide = per_year.get(year, edges.iloc[:0])
        if len(wide):
            wide = wide.droplevel("year")
        now = firms_of[year]
        row = {"year": year, **_metrics(YearNetwork.of_table(wide, now, year, segments))}
        ids = {role: set(part["id"]) for role, part in now.groupby("role")}
        for role in FIRM_ROLES:
            row[f"entries_{role}"] = 0 if before is None else len(
                ids.get(role, set()) - before.get(role, set()))
            row[f"exits_{role}"] = int(exits.get((year, role), 0))
        before = ids
        rows.append(row)
    return pd.DataFrame(rows)


def _settles(flags: pd.Series) -> int | None:
    """First index from which ``flags`` stays True, if it was False somewhere before."""
    if flags.empty or not flags.iloc[-1] or flags.all():
        return None
    last_false = np.flatnonzero(~flags.to_numpy())[-1]
    return int(flags.index[last_false + 1])


def network_events(metrics: pd.DataFrame,
                   threshold: float = DISINTERMEDIATION_SHARE) -> pd.DataFrame:
    """Disintermediation and re-intermediation years found in network_metrics' table.

    - ``disintermediation`` of a role: the first year from which its flow share stays below
      ``threshold`` (fraction of units sold, default 0.5) to the end of the run, after having
      been at or above it;
    - ``reintermediation`` of an old role (retailer, logistician) by a new one (marketplace,
      platform, print hub, material supplier): the first year from which the new role's
      flow betweenness stays above the old one's to the end of the run.

    Columns: event, role, versus (the old role, or ""), year, measure (column used), value
    (of that column in that year). A role that never crosses has no row.

    Example: retailer shares 0.9, 0.6, 0.4, 0.3 in 2030-2033 give
    (disintermediation, retailer, "", 2032, flow_share_retailer, 0.4).
    """
    m = metrics.set_index("year").sort_index()
    rows = []
    for role in INTERMEDIARY_ROLES:
        col = f"flow_share_{role}"
        share = m[col].dropna()
        year = _settles(share < threshold)
        if year is not None:
            rows.append(("disintermediation", role, "", year, col, float(share[year])))
    for new in NEW_ROLES:
        for old in OLD_ROLES:
            col = f"flow_betweenness_{new}"
            year = _settles(m[col] > m[f"flow_betweenness_{old}"])
            if year is not None:
                rows.append(("reintermediation", new, old, year, col, float(m.at[year, col])))
    return pd.DataFrame(rows, columns=["event", "role", "versus", "year", "measure", "value"])


def write_graph(G: nx.DiGraph, path: Path, fmt: str) -> None:
    """Write ``G`` atomically as ``graphml``, ``gexf`` or ``json`` (Cytoscape.js elements).

    networkx reads them back with read_graphml, read_gexf and cytoscape_graph(json.load(...));
    Gephi opens GraphML and GEXF, Cytoscape GraphML and the JSON.
    """
    if fmt == "graphml":
        atomic_write(path, lambda tmp: nx.write_graphml(G, tmp))
    elif fmt == "gexf":
        atomic_write(path, lambda tmp: nx.write_gexf(G, tmp))
    elif fmt == "json":
        text = json.dumps(nx.cytoscape_data(G), indent=1) + "\n"
        atomic_write(path, lambda tmp: tmp.write_text(text))
    else:
        raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}")
