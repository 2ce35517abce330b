"""A real Dask scheduler and workers as subprocesses on 127.0.0.1, for tests.

Every port they open is on 127.0.0.1: ``--host 127.0.0.1`` for the Dask protocol and
``--dashboard-address 127.0.0.1:0`` for the HTTP servers (``--no-dashboard`` alone still
leaves the scheduler's health/metrics server on 0.0.0.0:8787 and each worker's on 0.0.0.0);
tests/test_ports.py checks it on the listening sockets of these processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Terminate (then kill) a subprocess and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_worker(address: str, log: Path) -> subprocess.Popen:
    """One single-threaded worker process (no nanny) on 127.0.0.1, registered when it returns."""
    proc = subprocess.Popen([str(VENV_BIN / "dask"), "worker", address, "--host", "127.0.0.1",
                             "--nthreads", "1", "--no-nanny", "--no-dashboard",
                             "--dashboard-address", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=os.getcwd())
    try:
        wait_for(lambda: "Registered to" in log.read_text(), 60, f"worker ({log})")
    except BaseException:
        stop(proc)
        raise
    return proc


@contextmanager
def dask_cluster(logs: Path, workers: int = 1, procs: list | None = None):
    """Yield the address of a scheduler with ``workers`` workers; stop them all on exit.
    ``procs``: a list that receives the scheduler's and workers' Popen objects."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    sched_log = logs / "scheduler.log"
    sched = subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                              "--port", str(port), "--no-dashboard",
                              "--dashboard-address", "127.0.0.1:0"],
                             stdout=subprocess.DEVNULL, stderr=sched_log.open("w"))
    procs = [] if procs is None else procs
    procs.append(sched)
    try:
        wait_for(lambda: "Scheduler at" in sched_log.read_text(), 60, "scheduler")
        for i in range(workers):
            procs.append(start_worker(address, logs / f"worker{i}.log"))
        yield address
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            stop(proc)
