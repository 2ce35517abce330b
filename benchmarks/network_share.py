"""Share of a run's wall time spent building and measuring the yearly supply networks.

Runs the baseline (1990-2050, monthly) with 100,000 customers, then builds and measures the
graph of every year as save_run does (network.network_metrics), and prints ``name: value``
lines. The issue's target: network_share <= 0.10. ``--quick`` uses 10,000 customers.

    .venv/bin/python benchmarks/network_share.py [--quick] [--customers N] [--seed S]
"""

from __future__ import annotations

import argparse
import gc
import time

from market_abm import load_scenario
from market_abm.network import build_graph, graph_metrics, network_metrics
from market_abm.runner import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 customers")
    parser.add_argument("--customers", type=int, default=None, help="number of customers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    customers = args.customers or (10_000 if args.quick else 100_000)
    scenario = load_scenario("baseline", {"n_customers": customers})
    segments = scenario.segment_grid ** 2

    start = time.perf_counter()
    result = simulate(scenario, args.seed)
    model_s = time.perf_counter() - start
    # Freeing the model's agents (reference cycles) is the model's cost; left to the cyclic
    # collector it would land in whatever allocates next, here the network.
    start = time.perf_counter()
    gc.collect()
    cleanup_s = time.perf_counter() - start
    model_s += cleanup_s

    start = time.perf_counter()
    metrics = network_metrics(result.flows, result.firms, result.exited, segments)
    network_s = time.perf_counter() - start

    # the same work split into building and measuring (a second pass, for the breakdown)
    by_year = dict(tuple(result.flows.groupby("year")))
    start = time.perf_counter()
    graphs = [build_graph(by_year[y], result.firms, y, segments) for y in metrics["year"]]
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    for graph in graphs:
        graph_metrics(graph)
    measure_s = time.perf_counter() - start

    print(f"customers: {customers}")
    print(f"years: {scenario.start_year}-{scenario.end_year}")
    print(f"mean_nodes: {metrics['nodes'].mean():.1f}")
    print(f"mean_edges: {metrics['edges'].mean():.1f}")
    print(f"model_seconds: {model_s:.2f}")
    print(f"model_cleanup_seconds: {cleanup_s:.2f}")
    print(f"network_seconds: {network_s:.2f}")
    print(f"build_seconds: {build_s:.2f}")
    print(f"measure_seconds: {measure_s:.2f}")
    print(f"network_seconds_per_year: {network_s / len(metrics):.4f}")
    print(f"network_share: {network_s / (model_s + network_s):.4f}")


if __name__ == "__main__":
    main()
