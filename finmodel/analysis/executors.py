"""Where chunk tasks run: a thread pool on this machine, or a Dask cluster.

An executor maps a task function over argument tuples and yields the results **in task order**,
with a bounded number of tasks in flight, so memory stays at a few chunks however many there are.
The sweep and Monte Carlo hand it their chunk functions; the CLI picks one with ``--engine local``
or ``--engine dask`` (the option keeps its name; in the code "engine" means the line-item engine
in ``finmodel/model/engine.py``).
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from finmodel.analysis.memory import keep_freed_memory

__all__ = ["LocalExecutor", "DaskExecutor", "Executor", "get_executor", "run_tasks", "chunks"]


class _Future(Protocol):
    def result(self) -> Any: ...

    def cancel(self) -> Any: ...


def _bounded(submit: Callable[[tuple], _Future], tasks: Iterable[tuple], in_flight: int) -> Iterator[Any]:
    """Submit tasks keeping at most ``in_flight`` pending; yield results in task order. Pending
    tasks are cancelled when the consumer stops early (an error, Ctrl-C, ``close()``)."""
    pending: deque[_Future] = deque()
    try:
        it = iter(tasks)
        for t in it:
            pending.append(submit(t))
            if len(pending) >= in_flight:
                break
        while pending:
            res = pending.popleft().result()
            for t in it:
                pending.append(submit(t))
                break
            yield res
    finally:
        for f in pending:
            f.cancel()


class LocalExecutor:
    """Run chunk tasks on this machine: a thread pool (numpy releases the GIL in array work).

    ``workers=1`` runs inline. Results are yielded in task order; at most ``2 × workers`` tasks are
    in flight, so memory stays bounded however many chunks there are. While tasks run, freed
    memory is kept for the next chunk (:func:`~finmodel.analysis.memory.keep_freed_memory`)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))

    def map(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        with keep_freed_memory():
            yield from self._map(fn, tasks)

    def _map(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        it = iter(tasks)
        first = list(itertools.islice(it, 2))
        if self.workers == 1 or len(first) <= 1:  # one task (or one worker): no thread pool
            for t in itertools.chain(first, it):
                yield fn(*t)
            return
        ex = ThreadPoolExecutor(self.workers, thread_name_prefix="finmodel")
        try:
            yield from _bounded(lambda t: ex.submit(fn, *t), itertools.chain(first, it), 2 * self.workers)
        finally:
            ex.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        pass


class DaskExecutor:
    """Run chunk tasks on a Dask cluster (``dask.distributed``).

    Give a running ``client``, or a scheduler ``address`` such as ``tcp://10.0.0.5:8786``. Without
    either, an in-process ``LocalCluster`` on 127.0.0.1 is started (and closed by :meth:`close`).
    Workers must have finmodel installed (same version as here)."""

    name = "dask"

    def __init__(self, address: str | None = None, *, client: Any = None, timeout: float = 10.0,
                 in_flight: int | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is in the dev extra
            raise RuntimeError("the dask engine needs the optional extra: pip install 'finmodel[dask]'") from None
        self._own: list[Any] = []
        if client is None:
            if address:
                try:
                    client = Client(address, timeout=timeout)
                except (OSError, TimeoutError) as err:
                    raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {err}") from None
            else:
                cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=os.cpu_count() or 1,
                                       host="127.0.0.1", protocol="tcp",
                                       dashboard_address=None)  # pyright: ignore[reportArgumentType] - None = no dashboard
                client = Client(cluster)
                self._own.append(cluster)
            self._own.insert(0, client)
        self.client = client
        nthreads = sum(self.client.nthreads().values()) or 1
        self.in_flight = in_flight or 2 * nthreads

    def map(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        return _bounded(lambda t: self.client.submit(fn, *t, pure=False), tasks, self.in_flight)

    def close(self) -> None:
        for obj in self._own:
            obj.close()
        self._own.clear()


Executor = LocalExecutor | DaskExecutor


def get_executor(engine: str | Executor = "local", scheduler: str | None = None,
                 workers: int | None = None) -> Executor:
    """An executor by the CLI's ``--engine`` name: ``"local"`` (default) or ``"dask"`` (with an
    optional scheduler address); an executor passed in is returned as is."""
    if not isinstance(engine, str):
        return engine
    if engine == "local":
        if scheduler:
            raise ValueError("--scheduler needs --engine dask")
        return LocalExecutor(workers)
    if engine == "dask":
        return DaskExecutor(scheduler)
    raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")


def run_tasks(engine: str | Executor, scheduler: str | None, fn: Callable[..., Any],
              tasks: Iterable[tuple]) -> Iterator[Any]:
    """Results of ``fn`` over ``tasks`` in order, on the named executor (closed afterwards when it
    was created here, left open when the caller passed one in)."""
    ex = get_executor(engine, scheduler)
    try:
        yield from ex.map(fn, tasks)
    finally:
        if ex is not engine:
            ex.close()


def chunks(n: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive chunks covering ``0..n-1``, generated as they are consumed
    (a billion draws in chunks of 8,192 is 122,071 chunks: never a list of them)."""
    if chunk_size < 1:
        raise ValueError(f"chunk size must be at least 1 (got {chunk_size})")
    return ((i, min(i + chunk_size, n)) for i in range(0, n, chunk_size))

