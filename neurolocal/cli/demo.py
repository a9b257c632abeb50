"""`neurolocal demo`: the main job on embedded defaults, as a sequence of CLI steps
(``--seed`` and ``--json`` are passed on to every step)."""

from __future__ import annotations

import argparse
import time

from .common import add_common

#: (title, argv) steps; each is an ordinary subcommand, so the demo shows what users type.
DEMO_STEPS: list[tuple[str, list[str]]] = [
    ("the local-rule library", ["rules", "list"]),
    ("one rule in detail", ["rules", "show", "oja"]),
    ("Oja on digits: theory vs simulation", ["analyze", "--rule", "oja", "--epochs", "10"]),
    ("learning channels on digits", ["compare", "--channels",
                                     "bp,srbp,sign_redrawn,rbp_redrawn,top", "--epochs", "30"]),
    ("capacity of the learning channel", ["capacity", "--hidden", "10,10", "--samples", "50"]),
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
    parser = add_common(sub.add_parser("demo", help="a tour of the library on built-in data"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from . import main

    common = ["--seed", str(args.seed)] + (["--json"] if args.json else [])
    for title, argv in DEMO_STEPS:
        print(f"\n== {title}: neurolocal {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        code = main(argv + common)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
        if code:
            return code
    return 0
