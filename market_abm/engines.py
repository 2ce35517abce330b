"""Where runs execute: in this process, on an embedded Dask cluster, or on a remote one.

All engines take a picklable module-level function and a list of tasks, and yield
``(task_index, result)`` as runs finish (in any order). A run depends only on its task (its
scenario and its own seed), so results do not depend on the engine or on the number of workers.

- ``InProcess``: one run after the other in this process (``--workers 1``);
- ``DaskEngine(workers=n)``: an embedded ``LocalCluster`` of ``n`` single-threaded worker
  processes on 127.0.0.1, no dashboard, closed when the engine is closed;
- ``DaskEngine(scheduler="tcp://host:8786")``: the same work on an existing Dask cluster. If a
  worker dies, the scheduler reruns its tasks on the others (up to Dask's
  ``distributed.scheduler.allowed-failures``), so a lost worker loses no run.

Example:
    >>> with open_engine(workers=1) as engine:
    ...     sorted(engine.map(abs, [-1, -2]))
    [(0, 1), (1, 2)]
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from market_abm.errors import UsageError

CONNECT_TIMEOUT_S = 3


class InProcess:
    """Runs tasks one after the other in the calling process."""

    description = "in-process (1 worker)"

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DaskEngine:
    """Runs tasks on Dask: an embedded LocalCluster, or a scheduler given by address."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s",
                                     set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise UsageError(f"cannot reach Dask scheduler {scheduler}: {reason}") from None
            self.description = f"Dask scheduler {scheduler}"
        else:
            n = workers or os.cpu_count() or 1
            with warnings.catch_warnings():
                # the scheduler's health endpoint moves off a busy port 8787 (on 127.0.0.1)
                warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None,
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)
            self.description = f"embedded Dask LocalCluster ({n} workers)"

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        from dask.distributed import as_completed

        if not tasks:
            return
        futures = [self.client.submit(fn, task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            done = as_completed(futures, with_results=True, loop=self.client.loop)
            for future, result in done:
                yield index[future.key], result
                future.release()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_engine(workers: int | None = None, scheduler: str | None = None):
    """The engine the flags ask for: a scheduler address, one in-process worker, or n local."""
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if scheduler and workers is not None:
        raise UsageError("give either --workers or --scheduler, not both")
    if scheduler:
        return DaskEngine(scheduler=scheduler)
    if workers == 1:
        return InProcess()
    return DaskEngine(workers=workers)
