"""The customers' social graph, built with networkx and kept as a sparse adjacency matrix.

``neighbour_mean(values)`` gives, for every customer, the mean of ``values`` over its social
neighbours in one sparse product. The ``complete`` graph is never materialised: it is the
mean-field case where every customer sees the population mean.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp


class SocialGraph:
    """Social ties between n customers; seeds every generator from the model's rng."""

    def __init__(self, kind: str, n: int, degree: int, rewiring: float,
                 rng: np.random.Generator):
        self.kind = kind
        self.n = n
        if kind == "complete":
            self.adjacency = None
            return
        seed = int(rng.integers(2**31 - 1))
        if kind == "watts_strogatz":
            k = max(2, degree - degree % 2)
            graph = nx.watts_strogatz_graph(n, k, rewiring, seed=seed)
        elif kind == "barabasi_albert":
            graph = nx.barabasi_albert_graph(n, max(1, degree // 2), seed=seed)
        else:
            raise ValueError(f"social_network: unknown graph '{kind}'")
        edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([edges[:, 0], edges[:, 1]])
        cols = np.concatenate([edges[:, 1], edges[:, 0]])
        adj = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
        deg = np.asarray(adj.sum(axis=1)).ravel()
        deg[deg == 0] = 1.0
        # Row-normalised: one product gives the neighbour mean.
        self.adjacency = sp.diags((1.0 / deg).astype(np.float32)) @ adj

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` (shape (n,) or (n, m)) over each customer's neighbours."""
        if self.adjacency is None:
            mean = values.mean(axis=0)
            return np.broadcast_to(mean, values.shape).astype(np.float32)
        return self.adjacency @ values

    def degrees(self) -> np.ndarray:
        """Number of neighbours of each customer (n - 1 for the complete graph)."""
        if self.adjacency is None:
            return np.full(self.n, self.n - 1)
        return np.diff(self.adjacency.indptr)
