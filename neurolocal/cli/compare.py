"""`neurolocal compare`: several learning channels on the same task and seeds, as a table."""

from __future__ import annotations

import argparse

from .common import add_common, print_json, table
from .sweep import add_executor_args, executor_from_args
from .train import (
    add_training_args,
    backend_errors_as_user_errors,
    format_angles,
    setup_from_args,
)

DEFAULT_CHANNELS = "bp,rbp,srbp,arbp,sign,sigprop,local"


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "compare", help="compare learning channels: accuracy, alignment, cost"))
    parser.add_argument("--channels", default=DEFAULT_CHANNELS,
                        help=f"comma-separated channels (default {DEFAULT_CHANNELS}); options in "
                             "brackets: rbp[quantize=1,dropout=0.5]")
    parser.add_argument("--seeds", type=int, default=3,
                        help="networks per channel, seeds SEED..SEED+N-1 (default 3)")
    add_training_args(parser)
    parser.add_argument("--plot", metavar="FILE.png", help="write learning curves")
    add_executor_args(parser, default="in-process")
    parser.set_defaults(func=run)


@backend_errors_as_user_errors
def run(args: argparse.Namespace) -> int:
    from ..channels import split_channel_list
    from ..data import load_dataset
    from ..experiment import compare_channels, plot_curves

    setup = setup_from_args(args)
    names = split_channel_list(args.channels)
    data = load_dataset(args.dataset, seed=args.seed)
    with executor_from_args(args)(len(names) * args.seeds) as executor:
        summaries = compare_channels(data, names, setup, seeds=args.seeds, seed=args.seed,
                                     progress=args.progress, executor=executor)
    rows = [s.to_dict() for s in summaries]
    if args.plot:
        plot_curves(summaries, args.plot, f"{data.name}: {'-'.join(map(str, summaries[0].sizes))}"
                                          f", {args.seeds} seeds")
    if args.json:
        print_json({"dataset": data.name, "sizes": summaries[0].sizes, "seeds": args.seeds,
                    "epochs": setup.epochs, "lr": setup.eta, "channels": rows,
                    "plot": args.plot})
        return 0
    print(f"{data.name}: {' → '.join(map(str, summaries[0].sizes))}, {setup.epochs} epochs, "
          f"η = {setup.eta}, batch {setup.batch_size}, "
          f"seeds {args.seed}..{args.seed + args.seeds - 1}")
    body = [[r["name"], f"{r['test_accuracy']:.3f} ± {r['test_accuracy_std']:.3f}",
             f"{r['train_accuracy']:.3f}", format_angles(r["update_angle"]),
             format_angles(r["feedback_angle"]), r["extra_synapses"], r["extra_neurons"],
             r["channel"]["architecture"] or "—"] for r in rows]
    print(table(body, ["channel", "test acc (mean ± std)", "train acc", "∠(ΔW, −∇E) per layer",
                       "∠(C, Wᵀ) per hidden", "extra synapses", "extra neurons",
                       "architecture"]))
    if args.plot:
        print(f"learning curves: {args.plot}")
    return 0
