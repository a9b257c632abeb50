"""`neurolocal analyze`: one unit trained with a rule on a data set, theory against simulation."""

from __future__ import annotations

import argparse

import numpy as np

from ..errors import UserError
from ..rules import get_rule
from .common import add_common, print_json

UNITS = ("linear", "logistic", "tanh")


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "analyze", help="predicted vs simulated dynamics of one unit under a local rule"))
    parser.add_argument("--rule", required=True,
                        help="a library name (oja, hebb, clamped:hebb, ...) or an expression")
    parser.add_argument("--dataset", default="digits", help="data set name (default digits)")
    parser.add_argument("--unit", choices=UNITS, default="linear",
                        help="transfer function of the unit (theory: linear)")
    parser.add_argument("--epochs", type=int, default=30, help="epochs (default 30)")
    parser.add_argument("--mode", choices=("online", "average"), default="online",
                        help="online (shuffled, one sample per step) or epoch-averaged")
    parser.add_argument("--eta", type=float, default=1e-4,
                        help="learning rate η given to the rule (default 1e-4)")
    parser.add_argument("--decay", type=float, default=None,
                        help="decay c for rules that use it (default: the rule's own)")
    parser.add_argument("--digit", type=int, default=None,
                        help="class whose one-vs-rest labels are the target T (default: the "
                        "last class, 9 on digits)")
    parser.add_argument("--plot", metavar="FILE.png", help="write the figure there")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data import load_dataset
    from ..theory.analysis import analyze

    if args.epochs < 1:
        raise UserError(f"--epochs must be at least 1, not {args.epochs}")
    if not args.eta > 0:
        raise UserError(f"--eta must be positive, not {args.eta}")
    parameters = {"eta": args.eta} if args.decay is None else {"eta": args.eta, "c": args.decay}
    rule = get_rule(args.rule)
    rule = rule.with_parameters(**{k: v for k, v in parameters.items() if k in rule.parameters})
    data = load_dataset(args.dataset, seed=args.seed)
    digit = data.num_classes - 1 if args.digit is None else args.digit
    if not 0 <= digit < data.num_classes:
        raise UserError(f"--digit must be a class of {data.name} (0..{data.num_classes - 1})")
    low = -1.0 if args.unit == "tanh" else 0.0
    target = np.where(data.y_train == digit, 1.0, low)
    result = analyze(rule, data.x_train, target, unit=args.unit, epochs=args.epochs,
                     mode=args.mode, seed=args.seed, progress=args.progress)
    if args.plot:
        from ..theory.plots import plot_analysis

        plot_analysis([result], args.plot)
    report = result.to_dict()
    if args.json:
        print_json({**report, "dataset": data.name, "plot": args.plot})
        return 0
    sim, verdict = report["simulation"], report["verdict"]
    print(f"rule         {rule.label}: {report['pretty']}   (effective degree "
          f"{report['effective_degree']})")
    print(f"averaged     {result.extra['expected_update']}")
    print(f"data         {data.name}: {data.x_train.shape[0]} samples, {data.num_inputs} inputs;"
          f" unit {args.unit}, {args.mode}, η = {args.eta:g}, {args.epochs} epochs")
    print(f"verdict      linear unit, along u (principal eigenvector of E[I Iᵀ]): "
          f"{verdict['summary']}")
    if verdict["off_line"] > 1e-6:
        print(f"             (the line through u is not invariant: off-line part "
              f"{verdict['off_line']:.2g}, so this 1-D verdict is approximate)")
    state = f"diverged at epoch {sim['diverged_at']}" if sim["diverged_at"] else "finite"
    print(f"simulation   {state}; final ‖w‖ = {sim['final_norm']:.6g}, |cos(w, u)| = "
          f"{sim['final_cos_principal']:.6f}, cos(w, centre of gravity) = "
          f"{sim['final_cos_centre']:.6f}")
    if "prediction" in report:
        pred = report["prediction"]
        state = (f"diverges at epoch {pred['diverged_at']}" if pred["diverged_at"]
                 else "finite")
        print(f"theory       {state}; final ‖w‖ = {pred['final_norm']:.6g}, |cos(w, u)| = "
              f"{pred['final_cos_principal']:.6f}; max relative ‖w‖ error vs simulation "
              f"{pred['max_relative_norm_error']:.3g}")
    else:
        print("theory       the averaged-dynamics prediction covers linear units; see "
              "docs/theory.md for the dropout/Taylor approximations of logistic and tanh")
    if "approximations" in report:
        a = report["approximations"]
        print(f"E[f(S)]      under dropout p = {a['keep_probability']} at the final weights "
              f"({a['samples']} samples, {a['masks']} Monte Carlo masks): |error| of f(E S) "
              f"mean {a['dropout_mean']:.2e} max {a['dropout_max']:.2e}; of the Taylor "
              f"correction mean {a['taylor_mean']:.2e} max {a['taylor_max']:.2e} (Monte Carlo "
              f"standard error ≤ {a['reference_standard_error']:.1e})")
    if "affine_limit_norm" in report:
        print(f"exact limit  ‖w*‖ = {report['affine_limit_norm']:.6g} (affine dynamics)")
    if args.plot:
        print(f"figure       {args.plot}")
    return 0
