"""Every port a test or a documented command opens is on 127.0.0.1, read from the listening
sockets of the processes started here (psutil): the tests' Dask scheduler and worker
(tests/dask_cluster.py), the scheduler and worker of the recipe in docs/experiments.md, and the
embedded LocalCluster of a sweep. (The page's server: tests/test_app_server.py.)"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import psutil

from market_abm.engines import DaskEngine
from tests.dask_cluster import VENV_BIN, dask_cluster, free_port, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]


def listening(pids: list[int]) -> list[tuple[int, str, int]]:
    """(pid, address, port) of every listening inet socket of these processes."""
    out = []
    for pid in pids:
        for conn in psutil.Process(pid).net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                out.append((pid, conn.laddr.ip, conn.laddr.port))
    return out


def assert_loopback(pids: list[int], at_least: int) -> None:
    ports = listening(pids)
    assert len(ports) >= at_least, ports
    assert all(ip == "127.0.0.1" for _, ip, _ in ports), ports


def test_test_cluster_listens_on_loopback_only(tmp_path):
    procs: list[subprocess.Popen] = []
    with dask_cluster(tmp_path, workers=1, procs=procs):
        # scheduler: Dask protocol and HTTP; worker: Dask protocol and HTTP
        assert_loopback([p.pid for p in procs], at_least=4)


def documented_recipe() -> list[str]:
    """The `dask scheduler` and `dask worker` lines of docs/experiments.md's cluster recipe."""
    text = (ROOT / "docs" / "experiments.md").read_text()
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    recipe = [line for line in lines if re.match(r"dask (scheduler|worker) ", line)]
    assert [line.split()[1] for line in recipe] == ["scheduler", "worker"], recipe
    return recipe


def test_documented_recipe_listens_on_loopback_only(tmp_path):
    port = str(free_port())
    scheduler, worker = (shlex.split(line.replace("8786", port)) for line in
                         documented_recipe())
    procs = []
    try:
        log = tmp_path / "scheduler.log"
        procs.append(subprocess.Popen([str(VENV_BIN / "dask"), *scheduler[1:]],
                                      stdout=subprocess.DEVNULL, stderr=log.open("w")))
        wait_for(lambda: "Scheduler at" in log.read_text(), 60, "scheduler")
        wlog = tmp_path / "worker.log"
        procs.append(subprocess.Popen([str(VENV_BIN / "dask"), *worker[1:]],
                                      stdout=subprocess.DEVNULL, stderr=wlog.open("w")))
        wait_for(lambda: "Registered to" in wlog.read_text(), 60, "worker")
        family = [p.pid for p in procs]
        family += [c.pid for p in procs for c in psutil.Process(p.pid).children(recursive=True)]
        assert_loopback(family, at_least=4)
    finally:
        for proc in reversed(procs):
            stop(proc)


def test_embedded_cluster_listens_on_loopback_only():
    with DaskEngine(workers=2):
        me = psutil.Process()
        family = [me.pid] + [c.pid for c in me.children(recursive=True)]
        assert_loopback(family, at_least=3)
