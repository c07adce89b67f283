"""Where a batch's tasks run. One method: `run(fn, items, weights)` yields (index, result) as
each task finishes, heaviest first; a task's failure is a result ({"error": reason}), never an
exception that loses the others. Three runners, chosen by the command line:

- `Here`: this process, one task after another (`--jobs 1`);
- `Processes`: a pool of worker processes on this machine (`--jobs N`, the default);
- `Dask`: a Dask distributed cluster: `--cluster local` (a LocalCluster of worker processes,
  one thread each) or `--scheduler ADDRESS` (a running `dask scheduler` with its workers).

A worker that dies (killed, out of memory, a crash in native code) costs only the file it was
on: that file is tried once more on its own, then reported as failed; every other file goes on.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from formcheck.errors import FormcheckError

DIED = "its worker process died twice while scoring it (killed, out of memory, or a crash in native code)"


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def failure(err: BaseException) -> dict:
    """An error in a task, as one row's reason."""
    if isinstance(err, FormcheckError):   # already one line for the user
        return {"error": str(err)}
    text = str(err).splitlines()[0] if str(err) else ""
    return {"error": f"{type(err).__name__}: {text}" if text else type(err).__name__}


def guarded(fn, item):
    try:
        return fn(item)
    except Exception as err:   # noqa: BLE001 - one file's bug is that file's row, not the batch's end
        return failure(err)


class Here:
    name = "this process"
    workers = 1
    threads = True    # alone on the machine: inference may use both cores
    retried = 0

    def run(self, fn, items, weights):
        for i in sorted(range(len(items)), key=lambda i: -weights[i]):
            yield i, guarded(fn, items[i])

    def close(self):
        pass


class Processes:
    """A pool of `jobs` worker processes, started with 'spawn' (a clean interpreter each: no
    MediaPipe state forked mid-flight)."""
    threads = False   # the processes are the parallelism: each keeps to one core

    def __init__(self, jobs: int):
        self.workers = jobs
        self.name = f"{jobs} processes"
        self.retried = 0

    def run(self, fn, items, weights):
        queue = sorted(range(len(items)), key=lambda i: -weights[i])
        while queue:
            suspects, queue = yield from self._round(fn, items, queue, self.workers)
            # The pool broke: a worker died. The files that were running then are retried one by
            # one, each alone in a pool of its own, so that only the file that kills a worker fails.
            for i in suspects:
                self.retried += 1
                again, never = yield from self._round(fn, items, [i], 1)
                if again or never:
                    yield i, {"error": DIED}

    def _round(self, fn, items, order, jobs):
        """Run `order` until done or the pool breaks: returns the indices that had started and
        not finished when it broke (each worker notes a start in a file of its own), and those
        that never started (they go round again untouched)."""
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory(prefix="formcheck-pool-") as marks:
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(order)), mp_context=mp.get_context("spawn"))
            futures = {pool.submit(_noted, fn, items[i], str(Path(marks) / str(i))): i for i in order}
            finished = set()
            try:
                for fut in as_completed(futures):
                    if isinstance(fut.exception(), BrokenProcessPool):
                        break
                    finished.add(futures[fut])
                    yield futures[fut], fut.result()
            except (KeyboardInterrupt, GeneratorExit):   # stopped: the workers stop too, not after their file
                _terminate(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            unfinished = [i for i in order if i not in finished]
            for fut, i in futures.items():   # done in the same moment as the break
                if i in unfinished and fut.done() and not fut.cancelled() and fut.exception() is None:
                    unfinished.remove(i)
                    yield i, fut.result()
            started = [i for i in unfinished if (Path(marks) / str(i)).exists()]
            return started, [i for i in unfinished if i not in started]

    def close(self):
        pass


def _terminate(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes now (a file's report is written whole or not at all, so
    nothing half-done is left). The executor has no public way before Python 3.14."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except (OSError, ValueError):
            pass


def _noted(fn, item, mark: str):
    with open(mark, "w"):
        pass
    return guarded(fn, item)


class Dask:
    """A Dask distributed client. Tasks go to workers heaviest first (priority), results come
    back as they finish. A task on a worker that dies is retried once by formcheck; formcheck's
    own LocalCluster lets the scheduler retry nothing itself (allowed-failures 0), so that the
    retry is counted and said. A scheduler of your own applies its `allowed-failures` first."""

    def __init__(self, scheduler: str | None = None, workers: int = 2):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise FormcheckError("a Dask cluster needs the cluster extra: pip install -e '.[cluster]'") from None
        for name in ("distributed", "distributed.worker", "distributed.nanny", "distributed.scheduler",
                     "distributed.core", "distributed.batched", "distributed.comm"):
            logging.getLogger(name).setLevel(logging.CRITICAL)   # only formcheck's words reach the terminal
        self.cluster = None
        self.retried = 0
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
                self.name = f"the Dask scheduler at {scheduler}"
            else:
                # allowed-failures 0: a task on a worker that dies comes back to formcheck at once
                # (KilledWorker), which tries it once more and says so; worker-saturation 1.0: a
                # worker holds only the task it runs, so a death puts only that file in doubt.
                # The worker's profiler (a stack sample every 10 ms) and its 20 ms tick are off or
                # slowed: each takes the GIL from inference. The nanny's MALLOC_TRIM_THRESHOLD_
                # (65536) is not passed on: setting it turns off glibc's adaptive mmap threshold,
                # so every decoded frame (6 MB at 1080p) was a fresh mmap, zeroed page by page
                # and unmapped again: 4-5x the system time of a pool worker (6.7 s against 1.4
                # for 4 files) and most of the cluster's gap (0.88 of the pool; 0.96 without it).
                # Set for this process (not a `with` block) so that a worker the nanny restarts
                # after a death gets them too.
                dask.config.set({"distributed.scheduler.allowed-failures": 0,
                                 "distributed.scheduler.worker-saturation": 1.0,
                                 "distributed.worker.profile.enabled": False,
                                 "distributed.admin.tick.interval": "1s",
                                 "distributed.admin.system-monitor.interval": "5s",
                                 "distributed.worker.memory.monitor-interval": "5s",
                                 "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
                # on loopback only; the scheduler's HTTP server (it has one even without a
                # dashboard) on a free port, not 8787 with a warning when that is taken
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                            silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster)
                self.name = f"a local Dask cluster of {workers} processes"
        except (OSError, TimeoutError, ValueError) as err:
            self.close()
            where = scheduler or "a local cluster"
            raise FormcheckError(f"cannot reach {where}: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.threads = False

    def run(self, fn, items, weights):
        from distributed import as_completed as dask_completed

        def submit(i, attempt):
            return self.client.submit(guarded, fn, items[i], key=f"formcheck-{attempt}-{i}-{uuid.uuid4().hex}",
                                      priority=weights[i], pure=False)

        futures = {}
        for i in sorted(range(len(items)), key=lambda i: -weights[i]):
            futures[submit(i, 0)] = (i, 0)
        done = dask_completed(list(futures))
        for fut in done:
            i, attempt = futures.pop(fut)
            if fut.status == "finished":
                yield i, fut.result()
                continue
            try:
                err = fut.exception()
            except Exception as e:   # noqa: BLE001 - a cancelled or lost future
                err = e
            if type(err).__name__ == "KilledWorker" and attempt == 0:
                self.retried += 1
                again = submit(i, 1)
                futures[again] = (i, 1)
                done.add(again)
                continue
            yield i, {"error": DIED} if type(err).__name__ == "KilledWorker" else failure(err)

    def close(self):
        client, cluster = getattr(self, "client", None), self.cluster
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def make_runner(jobs: int, cluster: str | None = None, scheduler: str | None = None):
    if scheduler:
        return Dask(scheduler=scheduler)
    if cluster:
        return Dask(workers=jobs)
    return Here() if jobs <= 1 else Processes(jobs)
