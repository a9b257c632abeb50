"""`neurolocal sweep SPEC.yaml --store STORE`: a grid of trainings as Dask tasks, each result
committed to a SQLite store as it arrives; rerun to resume (docs/sweeps.md)."""

from __future__ import annotations

import argparse

from .common import add_common, print_json, table


def add_executor_args(parser: argparse.ArgumentParser, default: str) -> None:
    """Where runs execute; shared by `sweep` and `compare`."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="address of a running Dask scheduler (tcp://host:8786)")
    group.add_argument("--workers", type=int, metavar="N",
                       help="start a local Dask cluster of N worker processes"
                            + (" (default: one per core)" if default == "cluster" else ""))
    group.add_argument("--in-process", action="store_true", default=default == "in-process",
                       help="run one training after the other in this process"
                            + (" (default)" if default == "in-process" else ""))
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="give up on an unreachable --scheduler after this long "
                             "(default 10)")


def executor_from_args(args: argparse.Namespace):
    """A function pending-count -> executor context, from the executor flags."""
    from ..sweep.execute import default_workers, open_executor

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {args.workers}")
    in_process = args.in_process and not (args.scheduler or args.workers)

    def opener(pending: int):
        return open_executor(args.scheduler, args.workers or default_workers(pending),
                             in_process, args.connect_timeout)
    return opener


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "sweep", help="run a grid of trainings (YAML spec) on Dask into a resumable store"))
    parser.add_argument("spec", metavar="SPEC.yaml", help="the grid (see docs/sweeps.md)")
    parser.add_argument("--store", required=True, metavar="STORE.sqlite",
                        help="SQLite store; runs it already holds are skipped")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the runs recorded as failed")
    add_executor_args(parser, default="cluster")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sweep.execute import result_dict, run_sweep
    from ..sweep.spec import load_spec

    sweep = load_spec(args.spec)
    result = run_sweep(sweep, args.store, executor_from_args(args), args.retry_failed)
    results = [result_dict(r) for r in result.rows]
    if args.json:
        print_json({"total": result.total, "done": result.done, "ran": result.ran,
                    "failed": result.failed, "store": args.store, "results": results})
        return 1 if result.failed else 0
    print(f"{sweep.name}: {result.total} runs, {result.done} done, {result.failed} failed, "
          f"{result.ran} ran now ({result.seconds:.1f} s); store {args.store}")
    body = [[r["channel"], r["seed"], "-".join(map(str, r["config"]["hidden"])),
             r["config"]["lr"], r["config"]["backend"] + ("-spiking" if r["config"]["spiking"]
                                                          else ""),
             "—" if r["test_accuracy"] is None else f"{r['test_accuracy']:.3f}",
             r["error"] or ""] for r in results]
    print(table(body, ["channel", "seed", "hidden", "lr", "backend", "test acc", "error"]))
    if result.failed:
        print(f"{result.failed} failed runs; rerun with --retry-failed to try them again")
    return 1 if result.failed else 0
