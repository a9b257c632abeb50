"""`neurolocal demo`: the main job on embedded defaults, as a sequence of CLI steps
(``--seed`` and ``--json`` are passed on to every step). Figures and a short Markdown summary
(out/summary.md: every step, its command, time and outcome, and the figures) go to out/, and
the files written are listed at the end."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .common import add_common

OUT = Path("out")

#: (title, argv) steps; each is an ordinary subcommand, so the demo shows what users type.
DEMO_STEPS: list[tuple[str, list[str]]] = [
    ("the local-rule library", ["rules", "list"]),
    ("one rule in detail", ["rules", "show", "oja"]),
    ("Oja on digits: theory vs simulation", ["analyze", "--rule", "oja", "--epochs", "10",
                                             "--plot", "out/analyze-oja.png"]),
    ("learning channels on digits", ["compare", "--channels",
                                     "bp,srbp,sign_redrawn,rbp_redrawn,top", "--epochs", "30",
                                     "--plot", "out/compare-channels.png"]),
    ("capacity of the learning channel", ["capacity", "--hidden", "10,10", "--samples", "50",
                                          "--plot", "out/capacity.png", "--widths", "4,8,16"]),
    ("train a network with skipped random backpropagation and save it",
     ["train", "--channel", "srbp", "--hidden", "64", "--hidden-transfer", "relu", "--epochs",
      "20", "--lr", "0.05", "--save", "out/demo-model.npz"]),
    ("deploy it on a simulated Loihi 2 (fixed-point emulator)",
     ["deploy", "out/demo-model.npz", "--target", "loihi2", "--sim", "emulator", "--fixed"]),
    ("the same deployment on Lava's CPU simulator (fixed point, 100 test samples)",
     ["deploy", "out/demo-model.npz", "--sim", "lava", "--fixed", "--num-test", "100"]),
    ("SRBP on the numpy backend", ["train", "--channel", "srbp", "--hidden", "30", "--epochs",
                                   "5"]),
    ("the same network as Brian2 synapses (rate mode): the same accuracy",
     ["train", "--backend", "brian2", "--channel", "srbp", "--hidden", "30", "--epochs", "5"]),
]


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser("demo", help="a tour of the library on built-in data; "
                                                    "figures and a summary in out/"))
    parser.set_defaults(func=run)


def written_files(argv: list[str]) -> list[str]:
    """The files a step writes (the values of its --plot and --save options)."""
    return [argv[k + 1] for k, flag in enumerate(argv[:-1]) if flag in ("--plot", "--save")]


def run(args: argparse.Namespace) -> int:
    from . import main

    common = ["--seed", str(args.seed)] + (["--json"] if args.json else []) \
        + ([] if args.progress else ["--quiet"])
    OUT.mkdir(exist_ok=True)
    steps, code = [], 0
    for title, argv in DEMO_STEPS:
        print(f"\n== {title}: neurolocal {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        code = main(argv + common)
        seconds = time.perf_counter() - start
        print(f"   ({seconds:.1f} s)", flush=True)
        steps.append((title, argv, seconds, code))
        if code:
            break
    summary = write_summary(steps)
    files = [summary] + [Path(f) for _, argv, _, c in steps if c == 0
                         for f in written_files(argv) if Path(f).exists()]
    print("\nwritten:\n" + "\n".join(f"  {f}" for f in files))
    return code


def write_summary(steps: list[tuple[str, list[str], float, int]]) -> Path:
    """out/summary.md: a table of the steps, then every figure inline."""
    lines = ["# neurolocal demo", "",
             "| step | command | time | result |", "|---|---|---|---|"]
    for title, argv, seconds, code in steps:
        result = "ok" if code == 0 else f"exit {code}"
        lines.append(f"| {title} | `neurolocal {' '.join(argv)}` | {seconds:.1f} s | "
                     f"{result} |")
    figures = [f for _, argv, _, code in steps if code == 0 for f in written_files(argv)
               if f.endswith(".png") and Path(f).exists()]
    for figure in figures:
        lines += ["", f"![{Path(figure).stem}]({Path(figure).relative_to(OUT)})"]
    path = OUT / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    return path
