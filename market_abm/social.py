"""The customers' social graph, kept as a sparse row-normalised adjacency matrix.

``neighbour_mean(values)`` gives, for every customer, the mean of ``values`` over its social
neighbours in one sparse product. The ``complete`` graph is never materialised: it is the
mean-field case where every customer sees the population mean.

The Watts-Strogatz and Barabasi-Albert generators replay networkx's algorithms
(``nx.watts_strogatz_graph`` / ``nx.barabasi_albert_graph``, as of networkx 3.7) call for call
on a ``random.Random(seed)``, so they return exactly networkx's edge set for the same seed and
the model's results stay bit-identical to those of the networkx-built graph
(tests/test_social.py compares against the installed networkx). They build no networkx Graph:
at a million customers its dict-of-dicts cost ~2 GB and 12 s, whereas here the edges live in
flat int64 arrays (memory O(edges)) and only the rewired / attached edges are Python objects.
"""

from __future__ import annotations

import random
from array import array

import numpy as np
import scipy.sparse as sp


def _ring_lattice(n: int, half: int) -> np.ndarray:
    """Edges (u, u + j mod n) for j = 1..half, j-major then u, as an (n * half, 2) array.

    Row ``(j - 1) * n + u`` is the edge (u, u + j): that index identifies a lattice edge.
    """
    u = np.tile(np.arange(n, dtype=np.int64), half)
    j = np.repeat(np.arange(1, half + 1, dtype=np.int64), n)
    return np.column_stack([u, (u + j) % n])


def _complete_edges(n: int) -> np.ndarray:
    """All n * (n - 1) / 2 pairs (u, v), u < v, as an int64 array."""
    u, v = np.triu_indices(n, k=1)
    return np.column_stack([u, v]).astype(np.int64)


def watts_strogatz_edges(n: int, k: int, p: float, seed: int) -> np.ndarray:
    """Edges of ``nx.watts_strogatz_graph(n, k, p, seed=seed)``, as an (E, 2) int64 array.

    n: number of nodes (labelled 0..n-1); k: each node is joined to its k nearest ring
    neighbours (k // 2 on each side, as networkx does for odd k); p: probability of
    rewiring each lattice edge; seed: int seeding the ``random.Random`` networkx would use.
    The graph is held as the lattice, a mask of removed lattice edges and a set of added
    edges, which answers ``has_edge`` exactly as the networkx Graph would.
    """
    if k > n:
        raise ValueError("k>n, choose smaller k or larger n")
    if k == n:  # networkx returns the complete graph, drawing no random numbers
        return _complete_edges(n)
    half = k // 2
    removed, added = _rewire_ring(n, half, p, random.Random(seed))
    lattice = _ring_lattice(n, half)[np.frombuffer(removed, dtype=np.uint8) == 0]
    return np.concatenate([lattice, np.frombuffer(added, dtype=np.int64).reshape(-1, 2)])


def _rewire_ring(n: int, half: int, p: float, rnd: random.Random) -> tuple[bytearray, array]:
    """Replay networkx's rewiring loop on the ring lattice with ``rnd``.

    n, half: the lattice (each u linked to u+1..u+half mod n); p: rewiring probability;
    rnd: the generator. Visits lattice edge (u, u + j) for j = 1..half, u = 0..n-1, drawing
    one ``random()`` each, and with probability p redraws ``w = choice(nodes)`` while it is
    u or already a neighbour of u (giving up once u has degree >= n - 1), then replaces
    (u, u + j) by (u, w). Returns a mask over the lattice edge indices (j - 1) * n + u, 1
    where the edge was removed, and the added edges as flat (u, w) int64 pairs.
    """
    nodes = range(n)  # choice() on a range draws exactly as on list(range(n))
    rand, choice = rnd.random, rnd.choice
    removed = bytearray(n * half)
    added, added_keys = array("q"), set()
    if p <= 0:  # random() < p never holds: the draws would change nothing
        return removed, added
    degree = [2 * half] * n

    def has_edge(a: int, b: int) -> bool:
        d = (b - a) % n
        if 0 < d <= half and not removed[(d - 1) * n + a]:
            return True
        if 0 < n - d <= half and not removed[(n - d - 1) * n + b]:
            return True
        return (min(a, b) * n + max(a, b)) in added_keys

    for idx in range(n * half):
        if rand() < p:
            u = idx % n
            w = choice(nodes)
            while w == u or has_edge(u, w):
                w = choice(nodes)
                if degree[u] >= n - 1:
                    break  # skip this rewiring
            else:
                v = (u + idx // n + 1) % n
                removed[idx] = 1
                added_keys.add(min(u, w) * n + max(u, w))
                added.extend((u, w))
                degree[v] -= 1
                degree[w] += 1
    return removed, added


def barabasi_albert_edges(n: int, m: int, seed: int) -> np.ndarray:
    """Edges of ``nx.barabasi_albert_graph(n, m, seed=seed)``, as an (E, 2) int64 array.

    n: number of nodes (labelled 0..n-1); m: edges attached from each new node;
    seed: int seeding the ``random.Random`` networkx would use. Starts, like networkx, from
    the star on nodes 0..m (hub 0) and has E = m * (n - m) edges. The ``repeated_nodes``
    list already records every edge (each new node appends its m targets, then itself m
    times), so the edges are read off it with no separate edge list.
    """
    if m < 1 or m >= n:
        raise ValueError(f"Barabási–Albert network must have m >= 1 and m < n, m = {m}, n = {n}")
    repeated = _attach_preferentially(n, m, random.Random(seed))
    star = np.column_stack([np.zeros(m, dtype=np.int64), np.arange(1, m + 1, dtype=np.int64)])
    grown = np.frombuffer(repeated, dtype=np.int64)[2 * m:].reshape(n - m - 1, 2 * m)
    targets = grown[:, :m]
    sources = np.broadcast_to(grown[:, m:m + 1], targets.shape)
    return np.concatenate([star, np.column_stack([sources.ravel(), targets.ravel()])])


def _attach_preferentially(n: int, m: int, rnd: random.Random) -> array:
    """Replay networkx's growth loop with ``rnd``; returns its final ``repeated_nodes``.

    n: final node count; m: edges per new node; rnd: the generator. ``repeated_nodes``
    starts as the star's degree list in node order ([0] * m + [1..m]); each new node draws
    ``choice(repeated_nodes)`` until it has m distinct targets (networkx's
    ``_random_subset``), then the list is extended by that set, in the set's own iteration
    order, and by the new node m times.
    """
    # An int64 array rather than a list: a set's iteration order depends only on the int
    # values added and their order, not on the container they were drawn from.
    repeated = array("q", [0] * m)
    repeated.extend(range(1, m + 1))
    choice = rnd.choice
    for source in range(m + 1, n):
        targets = set()
        while len(targets) < m:
            targets.add(choice(repeated))
        repeated.extend(targets)
        repeated.extend([source] * m)
    return repeated


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
            edges = watts_strogatz_edges(n, k, rewiring, seed)
        elif kind == "barabasi_albert":
            edges = barabasi_albert_edges(n, max(1, degree // 2), seed)
        else:
            raise ValueError(f"social_network: unknown graph '{kind}'")
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
