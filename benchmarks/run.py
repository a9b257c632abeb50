"""Run every benchmark module in this folder and write benchmarks/RESULTS.md with machine info.

A benchmark module is ``benchmarks/bench_*.py`` with ``run(quick: bool) -> str`` returning a
Markdown section (it compares against a peer in the same run and reports ratios).
Usage: python benchmarks/run.py [--quick] [NAME ...]

With NAMEs, only those benchmarks run and only their sections of RESULTS.md are replaced (each
section is delimited by ``<!-- bench NAME -->`` markers and says when it ran); the others stay.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import re
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as the sections print them."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def machine_info() -> str:
    import numpy as np

    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                         f"({i.get('num_threads')} threads)" for i in threadpool_info())
    except Exception:  # threadpoolctl is optional here
        blas = "unknown"
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = load_average()
    return (f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}\n"
            f"- load average (1, 5, 15 min) when the results were written: {load}\n"
            f"- cpu: {cpu}, {os.cpu_count()} logical cores\n"
            f"- python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}\n"
            f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}\n")


def previous_sections() -> dict[str, str]:
    """The sections of the current RESULTS.md by benchmark name (empty when there is none)."""
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    return dict(re.findall(r"<!-- bench (\w+) -->\n(.*?)<!-- /bench -->", text, re.S))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("names", nargs="*", help="run only these bench_NAME modules")
    args = parser.parse_args()
    available = [p.stem.removeprefix("bench_") for p in sorted(HERE.glob("bench_*.py"))]
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are {', '.join(available)}")
    sections: dict[str, str] = {}
    failed = 0
    load_at_start = load_average()
    for name in args.names or available:
        print(f"== benchmark {name}", flush=True)
        spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"bench_{name}.py")
        module = importlib.util.module_from_spec(spec)
        started = datetime.datetime.now().isoformat(timespec="seconds")
        try:
            spec.loader.exec_module(module)
            body = module.run(quick=args.quick)
        except Exception:
            failed += 1
            body = f"## {name}\n\nFAILED:\n```\n{traceback.format_exc()}```\n"
        sections[name] = (f"{body.rstrip()}\n\n_Run {started}; load average at its end "
                          f"{load_average()}._\n")
        print(sections[name], flush=True)
    if args.names:  # read now, not at the start: another partial run may have ended meanwhile
        sections = {**previous_sections(), **sections}
    text = "# Benchmark results\n\nWritten by `make bench`.\n\n## Machine\n\n" + machine_info() \
        + f"- load average (1, 5, 15 min) when the benchmarks started: {load_at_start}\n" \
        + "".join(f"\n<!-- bench {name} -->\n{sections[name]}<!-- /bench -->\n"
                  for name in available if name in sections)
    (HERE / "RESULTS.md").write_text(text)
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
