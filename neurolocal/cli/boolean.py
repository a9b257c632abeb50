"""`neurolocal boolean`: which Boolean functions local rules learn (shallow and deep)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UserError
from ..rules import get_rule
from .common import add_common, print_json, table

#: Rules of the default tables: (rule, unit while learning) for one gate; unsupervised layer-1
#: rules for two layers (the output gate then learns with the perceptron rule).
SHALLOW_RULES = [("perceptron", "sign"), ("clamped_hebb", "sign"), ("delta", "linear"),
                 ("clamped:oja", "sign")]
DEEP_RULES = ["hebb", "anti_hebb", "oja"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "boolean", help="learnability of all Boolean functions of N inputs by local rules"))
    parser.add_argument("--inputs", type=int, required=True, help="N, from 1 to 4")
    parser.add_argument("--rule", help="one rule (name or expression) instead of the default set:"
                        " supervised for --layers 1 (learned on a sign unit), unsupervised for "
                        "--layers 2")
    parser.add_argument("--layers", type=int, choices=(1, 2), default=1,
                        help="1: a single threshold gate; 2: unsupervised hidden layer + "
                        "perceptron output (deep local learning)")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units for --layers 2")
    parser.add_argument("--monotone", action="store_true",
                        help="also tabulate the monotone functions")
    parser.add_argument("--epochs", type=int, default=100, help="epochs per run (default 100)")
    parser.add_argument("--inits", type=int, default=3,
                        help="random initializations tried besides w = 0; they only fill the "
                        "'init-dependent' column (learnable = learned from zero, strict margins)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..theory import boolean, learnability

    if args.epochs < 1 or args.inits < 0 or args.hidden < 1:
        raise UserError("--epochs and --hidden must be at least 1, --inits at least 0")
    n = args.inputs
    tables = boolean.all_functions(n)
    separable = boolean.separable_mask(n)
    monotone = boolean.monotone_mask(tables, n)
    counts = {"all": int(tables.shape[0]), "separable": int(separable.sum()),
              "monotone": int(monotone.sum()),
              "monotone_separable": int((monotone & separable).sum())}
    results = []
    if args.layers == 1:
        runs = [(args.rule, "sign")] if args.rule else SHALLOW_RULES
        for name, unit in runs:
            results.append(learnability.shallow(get_rule(name), n, args.epochs, args.inits,
                                                args.seed, transfer=unit))
    else:
        for name in [args.rule] if args.rule else DEEP_RULES:
            results.append(learnability.deep(get_rule(name), "perceptron", n, args.hidden,
                                             args.epochs, args.inits, args.seed))
    rows: list[dict[str, Any]] = []
    for r in results:
        row = {"rule": r.rule, "learned": int(r.learned.sum()),
               "init_dependent": int(r.init_dependent.sum()),
               "learned_separable": int((r.learned & separable).sum()),
               "learned_not_separable": int((r.learned & ~separable).sum()),
               "diverged_runs": r.diverged,
               "learned_functions": [int(f) for f in r.learned.nonzero()[0]]}
        if args.monotone:
            row["learned_monotone"] = int((r.learned & monotone).sum())
        rows.append(row)
    if args.json:
        print_json({"inputs": n, "layers": args.layers, "epochs": args.epochs,
                    "inits": args.inits, "counts": counts, "rules": rows,
                    "function_numbering": "function f outputs bit r of f on the input whose "
                                          "bits x_i are the bits of r"})
        return 0
    print(f"Boolean functions of {n} inputs: {counts['all']} in all, {counts['separable']} "
          f"linearly separable (exact LP), {counts['monotone']} monotone "
          f"({counts['monotone_separable']} of them separable)")
    where = "a single threshold gate" if args.layers == 1 else \
        f"{args.hidden} hidden threshold units (unsupervised rule) + perceptron output gate"
    print(f"{where}; ±1 coding with bias; {args.epochs} epochs; learned = learned from w = 0 "
          f"with every margin T·S > 0 (independent of the initial weights); init-dependent = "
          f"learned only from some of {args.inits} random initializations\n")
    header = ["rule", "learned", f"of {counts['separable']} LS", "not LS", "init-dependent"]
    if args.monotone:
        header.append(f"of {counts['monotone']} monotone")
    print(table([[r["rule"], r["learned"], r["learned_separable"], r["learned_not_separable"],
                  r["init_dependent"]] + ([r["learned_monotone"]] if args.monotone else [])
                 for r in rows], header))
    return 0
