"""The social-graph generators reproduce networkx's graphs edge for edge, for the same seed."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from market_abm.social import SocialGraph, barabasi_albert_edges, watts_strogatz_edges

SEEDS = (0, 12345, 2**31 - 2)


def edge_set(edges: np.ndarray) -> set[tuple[int, int]]:
    """Undirected edges of an (E, 2) array as sorted tuples."""
    return {(int(min(u, v)), int(max(u, v))) for u, v in edges}


def nx_edge_set(graph: nx.Graph) -> set[tuple[int, int]]:
    """Undirected edges of a networkx graph as sorted tuples."""
    return {(min(u, v), max(u, v)) for u, v in graph.edges()}


def assert_simple(edges: np.ndarray, n: int, count: int) -> None:
    """int64 (E, 2) array of `count` distinct edges over 0..n-1, without self-loops."""
    assert edges.dtype == np.int64 and edges.shape == (count, 2)
    assert not np.any(edges[:, 0] == edges[:, 1])
    assert len(edge_set(edges)) == count
    assert edges.min(initial=0) >= 0 and edges.max(initial=0) < n


@pytest.mark.parametrize("n", [12, 50, 500, 3000])
@pytest.mark.parametrize("k", [2, 4, 10])
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
def test_watts_strogatz_matches_networkx(n, k, p):
    for seed in SEEDS:
        edges = watts_strogatz_edges(n, k, p, seed)
        assert_simple(edges, n, n * k // 2)
        assert edge_set(edges) == nx_edge_set(nx.watts_strogatz_graph(n, k, p, seed=seed))


@pytest.mark.parametrize("n, k", [(5, 4), (6, 4), (7, 6), (9, 8), (8, 5), (11, 3), (6, 6),
                                  (4, 1), (4, 0)])
@pytest.mark.parametrize("p", [0.3, 1.0])
def test_watts_strogatz_special_cases_match_networkx(n, k, p):
    """Dense rings (the degree >= n - 1 give-up), odd k (k // 2 per side), k == n (complete)."""
    for seed in range(20):
        edges = watts_strogatz_edges(n, k, p, seed)
        count = n * (n - 1) // 2 if k == n else n * (k // 2)
        assert_simple(edges, n, count)
        assert edge_set(edges) == nx_edge_set(nx.watts_strogatz_graph(n, k, p, seed=seed))


def test_watts_strogatz_rejects_k_above_n():
    with pytest.raises(ValueError):
        watts_strogatz_edges(4, 6, 0.1, 0)


@pytest.mark.parametrize("n", [12, 50, 500, 3000])
@pytest.mark.parametrize("m", [1, 2, 5])
def test_barabasi_albert_matches_networkx(n, m):
    for seed in SEEDS:
        edges = barabasi_albert_edges(n, m, seed)
        assert_simple(edges, n, m * (n - m))
        assert edge_set(edges) == nx_edge_set(nx.barabasi_albert_graph(n, m, seed=seed))


@pytest.mark.parametrize("n, m", [(2, 1), (6, 5), (7, 5), (30, 17)])
def test_barabasi_albert_small_graphs_match_networkx(n, m):
    for seed in range(20):
        edges = barabasi_albert_edges(n, m, seed)
        assert_simple(edges, n, m * (n - m))
        assert edge_set(edges) == nx_edge_set(nx.barabasi_albert_graph(n, m, seed=seed))


@pytest.mark.parametrize("m", [0, 5])
def test_barabasi_albert_rejects_bad_m(m):
    with pytest.raises(ValueError):
        barabasi_albert_edges(5, m, 0)


def networkx_adjacency(graph: nx.Graph, n: int) -> sp.csr_matrix:
    """The row-normalised adjacency SocialGraph used to build from a networkx graph."""
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    adj = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
    deg = np.asarray(adj.sum(axis=1)).ravel()
    deg[deg == 0] = 1.0
    return sp.diags((1.0 / deg).astype(np.float32)) @ adj


@pytest.mark.parametrize("kind, degree, rewiring", [
    ("watts_strogatz", 6, 0.1), ("watts_strogatz", 7, 0.5), ("barabasi_albert", 6, 0.0),
])
def test_social_graph_adjacency_is_bit_identical_to_networkx(kind, degree, rewiring):
    n = 2000
    graph = SocialGraph(kind, n, degree, rewiring, np.random.default_rng(3))
    seed = int(np.random.default_rng(3).integers(2**31 - 1))
    if kind == "watts_strogatz":
        reference = nx.watts_strogatz_graph(n, degree - degree % 2, rewiring, seed=seed)
    else:
        reference = nx.barabasi_albert_graph(n, degree // 2, seed=seed)
    expected = networkx_adjacency(reference, n)
    actual = graph.adjacency
    assert actual.format == expected.format and actual.dtype == expected.dtype
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name))
