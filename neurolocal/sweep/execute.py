"""Running many trainings: in process, or as Dask tasks on a `distributed` cluster.

`open_executor` gives a plain in-process executor, a `LocalCluster` sized to the machine, or a
client of an existing scheduler (``dask scheduler`` / ``dask worker``, Kubernetes, SLURM via
dask-jobqueue), so nothing else changes between a laptop and a cluster. `run_sweep` runs the runs
of a grid that a store does not hold yet and commits each result as it arrives.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from .run import execute_run, failed_outcome
from .spec import Sweep
from .store import Store, check_store


class SchedulerError(UserError):
    """The Dask scheduler cannot be reached."""


class InProcess:
    """Runs tasks one after the other in this process: for small grids and tests.

    Executors offer ``map_unordered(function, tasks, shared, catch)``: `tasks` are
    (key, args) pairs, `shared` is passed to every call as ``data=`` (sent to each worker
    once), and (key, result) pairs come back as tasks finish. With `catch`, a task that
    never returns (its workers died) yields a failed outcome instead of raising; in process
    there is no such case, and the function's own exceptions always propagate."""

    def map_unordered(self, function: Callable[..., Any], tasks: list[tuple[str, tuple]],
                      shared: Any = None, catch: bool = True) -> Iterator[tuple[str, Any]]:
        for key, args in tasks:
            yield key, function(*args, **({"data": shared} if shared is not None else {}))


class DaskExecutor:
    """Each task is a Dask task named by its run key; results come back as they finish. A
    worker lost mid-run makes the scheduler run its tasks elsewhere; a task whose workers keep
    dying comes back as a failed outcome."""

    def __init__(self, client: Any):
        self.client = client

    def map_unordered(self, function: Callable[..., Any], tasks: list[tuple[str, tuple]],
                      shared: Any = None, catch: bool = True) -> Iterator[tuple[str, Any]]:
        from distributed import as_completed

        extra = {}
        if shared is not None:
            extra["data"] = self.client.scatter(shared, broadcast=True, hash=False)
        futures = {self.client.submit(function, *args, key=f"neurolocal-run-{key}", pure=False,
                                      **extra): key for key, args in tasks}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                try:
                    yield futures[future], future.result()
                except Exception as error:  # e.g. KilledWorker: recorded as failed
                    if not catch:
                        raise
                    yield futures[future], failed_outcome(error)
                future.release()  # the worker may forget the result
        finally:  # stopped early: the scheduler drops the tasks nobody holds any more
            for future in futures:
                future.release()


def default_workers(pending: int | None = None) -> int:
    """One worker per core, and no more than there are runs to do."""
    return max(1, min(os.cpu_count() or 1, pending or os.cpu_count() or 1))


@contextmanager
def open_executor(scheduler: str | None = None, workers: int | None = None,
                  in_process: bool = False, timeout: float = 10.0
                  ) -> Iterator[InProcess | DaskExecutor]:
    """In process; a client of the scheduler at `scheduler` (SchedulerError after `timeout`
    seconds); or a LocalCluster of `workers` single-threaded processes (default: one per
    core). Everything started here is shut down on exit."""
    if in_process:
        yield InProcess()
        return
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            _probe(scheduler, timeout)
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except Exception as error:  # refused, timed out, or not a Dask scheduler at all
            raise SchedulerError(f"cannot reach a Dask scheduler at {scheduler} within "
                                 f"{timeout:g} s ({type(error).__name__})") from None
        with client:
            yield DaskExecutor(client)
        return
    workers = workers or default_workers()
    # a training run is Python-bound: every wake-up of a worker's event loop takes the GIL
    # from it. Nothing here reads the profiler's samples (every 10 ms) or the loop-latency
    # tick (every 20 ms), and memory is checked four times less often (100 → 400 ms).
    quiet = {"distributed.worker.profile.enabled": False,
             "distributed.admin.tick.interval": "1s",
             "distributed.worker.memory.monitor-interval": "400ms"}
    with dask.config.set(quiet), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield DaskExecutor(client)


def _probe(address: str, timeout: float) -> None:
    """Open and close one connection (with Dask's handshake) to `address`: fails fast, and
    without the noise a half-built Client makes when it is collected."""
    import asyncio

    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    asyncio.run(probe())


@dataclass
class SweepResult:
    """What `run_sweep` did: the grid's rows (in grid order) and what ran this time."""

    total: int
    ran: int
    rows: list[dict[str, Any]]
    seconds: float

    @property
    def done(self) -> int:
        return sum(r["status"] == "done" for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r["status"] == "failed" for r in self.rows)


def pending_runs(sweep: Sweep, statuses: dict[str, str], retry_failed: bool
                 ) -> list[tuple[str, dict[str, Any]]]:
    """(key, config) of the runs still to do: not recorded, or failed when retrying."""
    todo = {"failed"} if retry_failed else set()
    return [(key, config) for key, config in zip(sweep.keys(), sweep.runs)
            if key not in statuses or statuses[key] in todo]


def run_sweep(sweep: Sweep, store_path: str, executor: Callable[[int], Any] = None,
              retry_failed: bool = False, progress: bool | None = None) -> SweepResult:
    """Run what `store_path` lacks of `sweep` and record each result as it arrives.
    `executor(pending)` opens the executor (a context manager); it is only called when there
    is something to run, and the store is only created once the executor is up, so bad input
    writes nothing. `progress` None: a bar when stderr is a terminal."""
    from tqdm import tqdm

    from ..channels import channel_from_dict
    from ..channels.registry import channel_label

    start = time.perf_counter()
    check_store(store_path)
    statuses = {}
    if os.path.exists(store_path):
        with Store(store_path, readonly=True) as store:
            statuses = store.statuses()
    pending = pending_runs(sweep, statuses, retry_failed)
    keys = sweep.keys()
    ran = 0
    if pending:
        opener = executor or (lambda n: open_executor(workers=default_workers(n)))
        with opener(len(pending)) as pool, Store(store_path) as store:
            configs = dict(pending)
            bar = tqdm(total=len(keys), initial=len(keys) - len(pending), unit="run",
                       desc=sweep.name, disable=not sys.stderr.isatty() if progress is None
                       else not progress)
            with bar:
                for key, outcome in pool.map_unordered(
                        execute_run, [(key, (config,)) for key, config in pending]):
                    config = configs[key]
                    label = channel_label(channel_from_dict(config["channel"]))
                    store.record(key, label, config, outcome, sweep.name)
                    ran += 1
                    bar.update()
                    if outcome["status"] == "failed":
                        bar.write(f"{label} seed {config['seed']} failed: {outcome['error']}",
                                  file=sys.stderr)
    with Store(store_path, readonly=True) as store:
        rows = store.rows(keys)
    return SweepResult(len(keys), ran, rows, time.perf_counter() - start)


def result_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the CLI's JSON reports it: channel, seed, test accuracy, configuration
    and the rest of the row."""
    final = row["final"]
    return {"key": row["key"], "channel": row["channel"], "seed": row["seed"],
            "status": row["status"], "test_accuracy": final.get("test_accuracy"),
            "train_accuracy": final.get("train_accuracy"), "config": row["config"],
            "final": final, "error": row["error"], "timings": row["timings"],
            "environment": row["environment"], "attempts": row["attempts"]}
