"""Many files at once: `formcheck score`, `rescore` and `eval`, on this machine's processes or a
Dask cluster (runners.py), reading and writing local folders or fsspec URLs (storage.py)."""
from __future__ import annotations

from formcheck.batch.runners import default_jobs, make_runner

__all__ = ["default_jobs", "make_runner", "parallel_map"]


class _Star:
    """fn(*item), as a picklable callable for the runners (which call fn(item))."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, item):
        return self.fn(*item)


def parallel_map(fn, items: list, jobs: int, progress_label: str | None = None, quiet: bool = False,
                 cluster: str | None = None, scheduler: str | None = None, weights: list | None = None) -> list:
    """[fn(*item) for item in items] on the runner the options choose, heaviest first; a task
    that fails is {'error': reason} in its place."""
    from formcheck.pipeline import progress

    runner = make_runner(jobs, cluster, scheduler)
    out: list = [None] * len(items)
    try:
        with progress(len(items), quiet or progress_label is None, progress_label or "file") as bar:
            for i, result in runner.run(_Star(fn), items, weights or [0] * len(items)):
                out[i] = result
                bar.update()
    finally:
        runner.close()
    return out
