"""Figures of a scenario discovery (market_abm.discovery): PRIM's peeling trajectories, the
runs over the two most restricted parameters, and the CART tree."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from market_abm.discovery import Box, design_box  # noqa: E402
from market_abm.palette import (  # noqa: E402
    BOX_COLOURS,
    OUTCOME_FALSE_COLOUR,
    OUTCOME_TRUE_COLOUR,
)

OF_INTEREST, OTHER = OUTCOME_TRUE_COLOUR, OUTCOME_FALSE_COLOUR


def trajectory_figure(trajectories: list[tuple[pd.DataFrame, int]], min_density: float,
                      title: str = "") -> plt.Figure:
    """Coverage against density of every box on each peeling trajectory; the chosen boxes
    circled and numbered, the density target as a dashed line."""
    fig, ax = plt.subplots(figsize=(6, 5), constrained_layout=True)
    for k, (traj, chosen) in enumerate(trajectories):
        colour = BOX_COLOURS[k % len(BOX_COLOURS)]
        ax.plot(traj["coverage"], traj["density"], ".-", color=colour, lw=0.8, ms=5,
                label=f"box {k + 1}: peeling and pasting")
        ax.plot(traj.at[chosen, "coverage"], traj.at[chosen, "density"], "o", ms=13,
                mfc="none", mec=colour, mew=2)
        ax.annotate(f"box {k + 1}", (traj.at[chosen, "coverage"], traj.at[chosen, "density"]),
                    textcoords="offset points", xytext=(8, -12), color=colour)
    ax.axhline(min_density, ls="--", color="k", lw=0.8, label=f"density {min_density:g}")
    ax.set(xlabel="coverage (share of the runs of interest in the box)",
           ylabel="density (share of the box's runs of interest)", xlim=(0, 1.05),
           ylim=(0, 1.05))
    ax.set_title(title or "PRIM peeling trajectory", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def _axis(column: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Positions of a parameter's values on an axis, and tick labels for a non-number."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float), None
    labels = sorted(map(str, column.unique()))
    return column.astype(str).map(labels.index).to_numpy(dtype=float), labels


def scatter_figure(x: pd.DataFrame, y: np.ndarray, boxes: list[Box], dims: list[str],
                   title: str = "") -> plt.Figure:
    """The runs over ``dims`` (one or two parameters; with one, against the run number),
    coloured by the outcome, with each box's limits on those parameters."""
    fig, ax = plt.subplots(figsize=(6.5, 5), constrained_layout=True)
    px, xlabels = _axis(x[dims[0]])
    if len(dims) > 1:
        py, ylabels = _axis(x[dims[1]])
    else:
        py, ylabels = np.arange(len(x), dtype=float), None
    jitter = np.random.default_rng(0).uniform(-0.08, 0.08, size=(2, len(x)))
    px = px + (jitter[0] if xlabels else 0)
    py = py + (jitter[1] if ylabels else 0)
    ax.scatter(px[~y], py[~y], s=14, color=OTHER, label="outcome false", alpha=0.7)
    ax.scatter(px[y], py[y], s=14, color=OF_INTEREST, label="outcome true", alpha=0.8)
    whole = design_box(x)

    def span(name: str | None, pos: np.ndarray, box: Box) -> tuple[float, float]:
        if name is None:
            return pos.min(), pos.max()
        lim = box.limits.get(name, whole[name])
        if isinstance(lim, tuple):
            return float(lim[0]), float(lim[1])
        codes = _axis(x[name])[1]
        chosen = [codes.index(str(v)) for v in lim]
        return min(chosen) - 0.3, max(chosen) + 0.3

    for k, box in enumerate(boxes):
        (x0, x1), (y0, y1) = span(dims[0], px, box), span(dims[1] if len(dims) > 1 else None,
                                                           py, box)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=1.8,
                               color=BOX_COLOURS[k % len(BOX_COLOURS)], label=f"box {k + 1}"))
    ax.set_xlabel(dims[0])
    ax.set_ylabel(dims[1] if len(dims) > 1 else "run")
    if xlabels:
        ax.set_xticks(range(len(xlabels)), xlabels)
    if ylabels:
        ax.set_yticks(range(len(ylabels)), ylabels)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return fig


def tree_figure(tree) -> plt.Figure:
    """The CART tree (scikit-learn's plot_tree): splits, runs and class counts per node."""
    from sklearn.tree import plot_tree

    depth, leaves = tree.clf.get_depth(), tree.clf.get_n_leaves()
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * leaves), max(3.0, 1.8 * (depth + 1))),
                           constrained_layout=True)
    plot_tree(tree.clf, feature_names=tree.feature_names, class_names=["false", "true"],
              filled=True, impurity=False, rounded=True, ax=ax, fontsize=8)
    return fig
