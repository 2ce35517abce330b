"""The supply network of the current year, drawn in fixed layers (matplotlib).

The graph is network.build_graph of the year's flows so far (Snapshot.graph). Nodes are firms
(coloured by role) and customer segments, sized by throughput (units passed on in the year so
far; for segments, units bought); edges carry units. Layers run from producers on the left to
customers on the right, and each node keeps its place while others enter or exit, so retailers
fading and platforms and print hubs appearing can be followed from step to step (a spring layout
would reshuffle the picture at every step).

A role with more than ``MOST_NODES`` firms (the 200-odd stores of 1990, the producers of the
2010s) would merge into one bar: its firms are drawn as groups instead (``readable``), stores
by store type and other roles by decade of entry, each labelled with its number of firms and
sized by their summed throughput; edges between groups add up their units.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from market_abm.network import INTERMEDIARY_ROLES
from market_abm.palette import ROLE_COLOURS, ROLE_LABELS
from market_abm.viz.live import LiveView
from market_abm.viz.state import Snapshot

# Layer (x position) of each role: producer -> carriers and platforms -> stores and hubs ->
# customers.
LAYER = {"producer": 0.0, "logistician": 1.0, "platform": 1.0, "material_supplier": 1.0,
         "retailer": 2.0, "print_hub": 2.0, "customers": 3.0}
# Vertical band of each role within its layer (bottom, top), so shared layers do not overlap.
BAND = {"producer": (0.0, 1.0), "logistician": (0.45, 1.0), "platform": (0.2, 0.4),
        "material_supplier": (0.0, 0.15), "retailer": (0.35, 1.0), "print_hub": (0.0, 0.3),
        "customers": (0.0, 1.0)}


MOST_NODES = 30  # a role with more firms than this is drawn as groups


def group_label(role: str, data: dict) -> str:
    """The group of a firm in a crowded role: its store type, else its decade of entry."""
    if role == "retailer" and data.get("store_type"):
        return str(data["store_type"]).replace("_", " ")
    return f"entered {10 * (int(data['entry_year']) // 10)}s"


def readable(g: nx.DiGraph, most: int = MOST_NODES) -> nx.DiGraph:
    """``g`` with the firms of each role that has more than ``most`` of them merged into
    groups (group_label): nodes ``role:group:label`` with ``label``, ``members`` and summed
    ``throughput``; edges summed. Other nodes and edges are kept as they are.

    Example:
        >>> g = nx.DiGraph()
        >>> for i in range(3):
        ...     g.add_node(f"retailer:{i}", role="retailer", agent_id=i, entry_year=1990,
        ...                throughput=1.0, store_type="bookstores")
        >>> h = readable(g, most=2)
        >>> dict(h.nodes["retailer:group:bookstores"])["members"]
        3
    """
    crowded = Counter(role for _, role in g.nodes(data="role"))
    crowded = {r for r, n in crowded.items() if n > most and r != "customers"}
    if not crowded:
        return g
    h, name = nx.DiGraph(**g.graph), {}
    for node, d in g.nodes(data=True):
        if d["role"] not in crowded:
            h.add_node(node, **d)
            name[node] = node
            continue
        label = group_label(d["role"], d)
        group = f"{d['role']}:group:{label}"
        if group not in h:
            h.add_node(group, role=d["role"], label=label, members=0, throughput=0.0)
        h.nodes[group]["members"] += 1
        h.nodes[group]["throughput"] += d["throughput"]
        name[node] = group
    for u, v, d in g.edges(data=True):
        a, b = name[u], name[v]
        if h.has_edge(a, b):
            h[a][b]["units"] += d["units"]
        else:
            h.add_edge(a, b, units=d["units"])
    return h


def layered_positions(g: nx.DiGraph) -> dict:
    """Fixed positions: x by role layer, y by rank of the agent id (of the label, for
    groups) within the role's band.

    Example:
        >>> g = nx.DiGraph()
        >>> g.add_node("retailer:7", role="retailer", agent_id=7)
        >>> layered_positions(g)["retailer:7"]
        (2.0, 0.675)
    """
    by_role: dict[str, list] = {}
    for node, role in g.nodes(data="role"):
        by_role.setdefault(role, []).append(node)
    pos = {}
    for role, nodes in by_role.items():
        lo, hi = BAND.get(role, (0.0, 1.0))
        nodes.sort(key=lambda n: g.nodes[n].get("label", g.nodes[n].get("agent_id")))
        ys = np.linspace(lo, hi, len(nodes) + 2)[1:-1]
        for node, y in zip(nodes, ys, strict=True):
            pos[node] = (LAYER.get(role, 3.0), float(y))
    return pos


class NetworkView(LiveView):
    """The supply network of the year so far (the closed year after a December step)."""

    size = (5.0, 3.6)

    def setup(self, snap: Snapshot) -> None:
        ax = self.ax
        ax.set_title("Supply network of the year (size: units passed on)", fontsize=10)
        ax.set_axis_off()
        ax.set_xlim(-0.3, 3.3)
        ax.set_ylim(-0.02, 1.06)
        for role, x in (("producers", 0), ("carriers / platforms", 1),
                        ("stores / print hubs", 2), ("customers", 3)):
            ax.text(x, 1.04, role, ha="center", va="bottom", fontsize=7, color="0.35")
        handles = [Line2D([], [], ls="", marker="o", color=ROLE_COLOURS[r], label=ROLE_LABELS[r])
                   for r in LAYER]
        handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="0.4",
                              label="idle this year"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.05), ncol=4,
                  fontsize=7, frameon=False)

    def draw(self, snap: Snapshot) -> list[Artist]:
        ax, out = self.ax, []
        g = readable(snap.graph)
        pos = layered_positions(g)
        top = max((d["throughput"] for _, d in g.nodes(data=True)), default=0.0) or 1.0
        if g.number_of_edges():
            wmax = max(d["units"] for *_, d in g.edges(data=True)) or 1.0
            share = np.array([d["units"] / wmax for *_, d in g.edges(data=True)])
            segs = [(pos[u], pos[v]) for u, v in g.edges()]
            colours = np.zeros((len(segs), 4))
            colours[:, :3] = 0.3
            colours[:, 3] = 0.1 + 0.5 * share
            out.append(ax.add_collection(LineCollection(segs, linewidths=0.3 + 2.5 * share,
                                                        colors=colours, zorder=1)))
        firms = [n for n, d in g.nodes(data=True) if d["role"] != "customers"]
        self.targets = ([(g.nodes[n]["role"], None if "members" in g.nodes[n]  # a group
                          else int(g.nodes[n]["agent_id"])) for n in firms],
                        np.array([pos[n] for n in firms], dtype=float).reshape(-1, 2))
        for role in LAYER:
            nodes = [n for n, r in g.nodes(data="role") if r == role]
            if not nodes:
                continue
            xy = np.array([pos[n] for n in nodes])
            tp = np.array([g.nodes[n]["throughput"] for n in nodes])
            busy = tp > 0
            out.append(ax.scatter(xy[busy, 0], xy[busy, 1], s=6 + 220 * np.sqrt(tp[busy] / top),
                                  color=ROLE_COLOURS[role], edgecolor="k", lw=0.3, zorder=2))
            if (~busy).any():
                out.append(ax.scatter(xy[~busy, 0], xy[~busy, 1], s=6, facecolor="none",
                                      edgecolor=ROLE_COLOURS[role], lw=0.5, alpha=0.6,
                                      zorder=2))
            for node, (x, y) in zip(nodes, xy, strict=True):
                if "members" in g.nodes[node]:  # a group: its label and size
                    out.append(ax.text(x, y - 0.035, f"{g.nodes[node]['label']} "
                                       f"({g.nodes[node]['members']})", fontsize=5,
                                       va="top", ha="center", color="0.2", zorder=3))
        when = (f"flows of {snap.year}" + (" (closed year)" if snap.month == 12 else
                                           " so far") if snap.steps else "no step yet")
        busy = [d["role"] for _, d in snap.graph.nodes(data=True) if d["throughput"] > 0]
        counts = ", ".join(f"{busy.count(r)} {ROLE_LABELS[r]}" for r in INTERMEDIARY_ROLES)
        caption = ax.text(0.5, -0.01, f"{when}: {counts} active", transform=ax.transAxes,
                          ha="center", va="top", fontsize=6)
        caption.set_in_layout(False)  # a long caption must not squeeze the axes
        out.append(caption)
        return out
