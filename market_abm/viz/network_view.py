"""The supply network of the current year, drawn in fixed layers (matplotlib).

The graph is network.build_graph of the year's flows so far (Snapshot.graph). Nodes are firms
(coloured by role) and customer segments, sized by throughput (units passed on in the year so
far; for segments, units bought); edges carry units. Layers run from producers on the left to
customers on the right, and each node keeps its place while others enter or exit, so retailers
fading and platforms and print hubs appearing can be followed from step to step (a spring layout
would reshuffle the picture at every step).
"""

from __future__ import annotations

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


def layered_positions(g: nx.DiGraph) -> dict:
    """Fixed positions: x by role layer, y by rank of the agent id within the role's band.

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
        nodes.sort(key=lambda n: g.nodes[n]["agent_id"])
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
        g = snap.graph
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
        when = f"{snap.year}" if snap.steps else "no step yet"
        busy = [d["role"] for _, d in g.nodes(data=True) if d["throughput"] > 0]
        counts = ", ".join(f"{busy.count(r)} {ROLE_LABELS[r]}" for r in INTERMEDIARY_ROLES)
        out.append(ax.text(0.5, -0.01, f"{when}: {counts} active", transform=ax.transAxes,
                           ha="center", va="top", fontsize=7))
        return out
