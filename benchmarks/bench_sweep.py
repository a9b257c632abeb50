"""A 48-run sweep (4 channels × 4 seeds × 3 hidden architectures on digits) on a Dask
LocalCluster of 2 single-threaded worker processes, against the same runs one after the other in
this process, measured in the same run; both write a fresh store.

Reported: wall times, their ratio (goal ≤ 0.6), and the scheduling overhead per run,
(wall × workers − Σ training seconds on the workers) / runs, with and without the cluster's
start-up. Quick mode: 8 short runs, a smoke check only.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

WORKERS = 2


def grid(quick: bool) -> dict:
    if quick:
        return {"name": "bench-quick", "channels": ["bp", "rbp"], "seeds": 2,
                "hidden": [[10], [10, 10]], "epochs": 2}
    return {"name": "bench", "channels": ["bp", "rbp", "srbp", "sign"], "seeds": 4,
            "hidden": [[20, 20], [40, 40], [20, 20, 20]], "epochs": 30}


def timed_sweep(sweep, store: Path, opener) -> tuple[float, float, list[dict]]:
    """(wall seconds, Σ per-run seconds on the executor, rows) of one full sweep."""
    from neurolocal.sweep.execute import run_sweep

    start = time.perf_counter()
    result = run_sweep(sweep, str(store), opener, progress=False)
    wall = time.perf_counter() - start
    assert result.ran == result.total and result.failed == 0, "every run must finish"
    return wall, sum(r["timings"]["seconds"] for r in result.rows), result.rows


def run(quick: bool = False) -> str:
    from contextlib import contextmanager

    from neurolocal.sweep.execute import DaskExecutor, open_executor
    from neurolocal.sweep.run import cached_dataset
    from neurolocal.sweep.spec import parse_spec

    sweep = parse_spec(grid(quick))
    runs = len(sweep.runs)
    cached_dataset("digits", 0)  # both sides time training, not imports and data loading
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        sequential, seq_busy, seq_rows = timed_sweep(
            sweep, folder / "seq.sqlite", lambda n: open_executor(in_process=True))
        start = time.perf_counter()
        with open_executor(workers=WORKERS) as pool:
            startup = time.perf_counter() - start
            pool.client.run(cached_dataset, "digits", 0)

            @contextmanager
            def started(n: int):
                yield DaskExecutor(pool.client)

            dask_wall, dask_busy, dask_rows = timed_sweep(sweep, folder / "dask.sqlite",
                                                          started)
    same = [r["final"]["test_accuracy"] for r in seq_rows] == \
        [r["final"]["test_accuracy"] for r in dask_rows]
    overhead = (dask_wall * WORKERS - dask_busy) / runs
    with_startup = ((dask_wall + startup) * WORKERS - dask_busy) / runs
    ratio = dask_wall / sequential
    return "\n".join([
        f"## sweep{' (quick)' if quick else ''}",
        "",
        f"{runs} runs ({', '.join(grid(quick)['channels'])} × {grid(quick)['seeds']} seeds × "
        f"hidden {grid(quick)['hidden']}, {grid(quick)['epochs']} epochs, digits).",
        "",
        "| executor | wall (s) | Σ run seconds | ratio to sequential |",
        "|---|---|---|---|",
        f"| in process, sequential | {sequential:.2f} | {seq_busy:.2f} | 1 |",
        f"| LocalCluster, {WORKERS} workers | {dask_wall:.2f} | {dask_busy:.2f} | "
        f"{ratio:.2f} (goal ≤ 0.6: {'met' if ratio <= 0.6 else 'NOT met'}) |",
        f"| … plus cluster start-up {startup:.2f} s | {dask_wall + startup:.2f} | | "
        f"{(dask_wall + startup) / sequential:.2f} |",
        "",
        f"Scheduling overhead per run: {overhead * 1000:.0f} ms "
        f"({with_startup * 1000:.0f} ms counting the start-up); same test accuracies in both: "
        f"{'yes' if same else 'NO'}.",
    ])


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
