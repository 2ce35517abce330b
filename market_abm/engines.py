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

What stops an engine, always with one line (``EngineError``, or ``UsageError`` for an address):

- an address where no Dask scheduler answers its handshake within ``CONNECT_TIMEOUT_S``
  (nothing listening, another kind of server, a silent port);
- a scheduler lost during the runs (its futures cancelled);
- a scheduler with no worker for ``NO_WORKER_TIMEOUT_S`` seconds in a row while runs wait;
- a run whose workers died ``allowed-failures`` times (Dask's ``KilledWorker``).

Example:
    >>> with open_engine(workers=1) as engine:
    ...     sorted(engine.map(abs, [-1, -2]))
    [(0, 1), (1, 2)]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ThreadPoolExecutor
from typing import Any

from market_abm.errors import EngineError, UsageError, reason

CONNECT_TIMEOUT_S = 3  # for a scheduler to answer the connection and its handshake
NO_WORKER_TIMEOUT_S = 120  # runs waiting on a scheduler with no worker: give up after this
POLL_S = 1.0  # how often the engine looks at the cluster while runs are under way
MAX_WORKERS_PER_CORE = 4  # --workers beyond this many per core is refused


class InProcess:
    """Runs tasks one after the other in the calling process."""

    description = "in-process (1 worker)"

    def workers(self) -> int:
        """One: the calling process."""
        return 1

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Worker processes started inside inherit an ignored SIGINT: Ctrl-C in a terminal
    reaches the whole process group, and only this process should answer it (with one line;
    it then closes the cluster, which stops the workers)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Quiet:
    """Loggers named ``prefix`` or ``prefix.*`` silenced until ``restore``."""

    def __init__(self, prefix: str):
        names = [prefix] + [n for n in logging.Logger.manager.loggerDict
                            if n.startswith(prefix + ".")]
        self.loggers = [logging.getLogger(n) for n in names]
        self.levels = [log.level for log in self.loggers]
        for log in self.loggers:
            log.setLevel(logging.CRITICAL + 1)

    def restore(self) -> None:
        for log, level in zip(self.loggers, self.levels, strict=True):
            log.setLevel(level)


class DaskEngine:
    """Runs tasks on Dask: an embedded LocalCluster, or a scheduler given by address."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        self.scheduler = scheduler
        self.no_worker_timeout = NO_WORKER_TIMEOUT_S
        # the engine reports what goes wrong as one line: Dask's own log records (a lost
        # scheduler, reconnection attempts, with tracebacks) would only repeat it on stderr
        self._quiet = _Quiet("distributed")
        try:
            if scheduler:
                probe_scheduler(scheduler)
                try:
                    self.client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s",
                                         set_as_default=False)
                except (OSError, TimeoutError, ValueError, TypeError) as exc:
                    raise UsageError(f"cannot reach Dask scheduler {scheduler}: "
                                     f"{reason(exc)}") from None
                self.description = f"Dask scheduler {scheduler}"
            else:
                n = workers or os.cpu_count() or 1
                with warnings.catch_warnings(), _workers_ignore_ctrl_c():
                    # the scheduler's health endpoint moves off a busy port 8787 (127.0.0.1)
                    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
                    self.cluster = LocalCluster(n_workers=n, threads_per_worker=1,
                                                processes=True, host="127.0.0.1",
                                                dashboard_address=None,
                                                silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster, set_as_default=False)
                self.description = f"embedded Dask LocalCluster ({n} workers)"
        except BaseException:
            self._quiet.restore()
            raise

    def map(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import wait

        if not tasks:
            return
        futures = [self.client.submit(fn, task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(futures)
        no_worker_since = None
        try:
            while pending:
                try:
                    with self.client.as_current():  # wait() looks for the current client
                        done, pending = wait(pending, timeout=POLL_S,
                                             return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                except CancelledError:  # the client cancels everything when it loses the
                    raise self._lost() from None  # scheduler
                for future in sorted(done, key=lambda f: index[f.key]):
                    yield index[future.key], self._result(future)
                    future.release()
                if done:
                    no_worker_since = None
                elif self.workers() == 0:
                    no_worker_since = no_worker_since or time.monotonic()
                    if time.monotonic() - no_worker_since > self.no_worker_timeout:
                        raise EngineError(
                            f"{self.description} has had no worker for "
                            f"{self.no_worker_timeout:.0f} s while {len(pending)} runs wait: "
                            "start workers, then rerun the same command to resume")
                else:
                    no_worker_since = None
        finally:
            for future in futures:
                future.cancel()

    def _result(self, future) -> Any:
        """A finished future's result, or one line on why the run cannot finish."""
        from distributed import KilledWorker

        if future.status == "cancelled":
            raise self._lost()
        if future.status == "error":
            exc = future.exception()
            if isinstance(exc, KilledWorker):
                raise EngineError(f"a run killed {exc.args[-1] if exc.args else 'its'} "
                                  "workers in a row (Dask's allowed-failures); "
                                  "rerun the same command to resume") from None
        return future.result()  # a failure of the model itself raises with its traceback

    def _lost(self, why: str = "the runs under way were cancelled") -> EngineError:
        return EngineError(f"lost the connection to {self.description} ({why}): rerun the "
                           "same command to resume")

    def workers(self) -> int:
        """Workers the scheduler knows now; EngineError if it does not answer."""
        try:
            return len(self.client.nthreads(callback_timeout=CONNECT_TIMEOUT_S * 5))
        except (OSError, TimeoutError, CancelledError) as exc:
            raise self._lost(reason(exc)) from None

    def close(self) -> None:
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self._quiet.restore()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> dict:
    """The identity of the Dask scheduler at ``address``, or a UsageError within about
    ``timeout`` seconds if nothing there answers Dask's handshake."""
    from distributed.comm import connect
    from distributed.core import send_recv

    async def identity() -> dict:
        comm = await connect(address, timeout=timeout)
        try:
            return await send_recv(comm, op="identity")
        finally:
            comm.abort()

    def handshake() -> dict:  # in a thread of its own: the caller may run an event loop
        return asyncio.run(asyncio.wait_for(identity(), timeout))  # (Jupyter, tests)

    try:
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(handshake).result()
    except TimeoutError:
        raise UsageError(f"cannot reach Dask scheduler {address}: no Dask answer within "
                         f"{timeout:g} s") from None
    except Exception as exc:  # any failure of the handshake: a server that is not Dask can
        # send bytes that Dask reads as a huge message length (MemoryError)
        raise UsageError(f"cannot reach Dask scheduler {address}: {reason(exc)}") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise UsageError(f"cannot reach Dask scheduler {address}: the server there is not a "
                         "Dask scheduler")
    return reply


def open_engine(workers: int | None = None, scheduler: str | None = None):
    """The engine the flags ask for: a scheduler address, one in-process worker, or n local."""
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    most = MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)
    if workers is not None and workers > most:
        raise UsageError(f"--workers must be at most {most} ({MAX_WORKERS_PER_CORE} per core "
                         f"on this machine), got {workers}")
    if scheduler and workers is not None:
        raise UsageError("give either --workers or --scheduler, not both")
    if scheduler:
        return DaskEngine(scheduler=scheduler)
    if workers == 1:
        return InProcess()
    return DaskEngine(workers=workers)
