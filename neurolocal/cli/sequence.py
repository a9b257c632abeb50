"""`neurolocal sequence`: a recurrent network unfolded in time, trained through BPTT, RBP and
SRBP through time on a small sequence task, compared in a table (THEORY.md section 7)."""

from __future__ import annotations

import argparse

import numpy as np

from ..errors import UserError
from ..recurrent.tasks import TASKS
from .common import add_common, name_list, print_json, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "sequence", help="recurrent networks: BPTT, RBP and SRBP through time on a sequence task"))
    parser.add_argument("--task", default="delay", choices=TASKS,
                        help="delay (targets at every step), recall (one target at the end) "
                             "or parity (default delay)")
    parser.add_argument("--channels", default="bptt,rbptt,srbptt",
                        help="comma-separated: bptt, rbptt, srbptt (default all three)")
    parser.add_argument("--hidden", type=int, default=16, help="recurrent units (default 16)")
    parser.add_argument("--steps", type=int, default=8, help="sequence length (default 8)")
    parser.add_argument("--delay", type=int, default=3, help="delay of the delay task (3)")
    parser.add_argument("--sequences", type=int, default=512, help="training sequences (512)")
    parser.add_argument("--epochs", type=int, default=60, help="epochs (default 60)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate η (default 0.1)")
    parser.add_argument("--batch-size", type=int, default=32, help="minibatch size (32)")
    parser.add_argument("--seeds", type=int, default=3, help="networks per channel (3)")
    parser.add_argument("--plot", metavar="FILE.png", help="write the error curves")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..recurrent import CHANNELS, RecurrentNetwork, sequence_task, train_recurrent
    from ..recurrent.network import check_memory

    channels = name_list(args.channels, "--channels")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise UserError(f"unknown recurrent channel {', '.join(unknown) or '(none)'}; known: "
                         f"{', '.join(CHANNELS)}")
    if args.seeds < 1 or args.hidden < 1:
        raise UserError("--seeds and --hidden must be positive")
    check_memory(args.sequences, args.steps, args.hidden)
    x, t, mask = sequence_task(args.task, args.sequences, args.steps, args.delay, args.seed)
    results = []
    for channel in channels:
        runs = [train_recurrent(RecurrentNetwork(1, args.hidden, 1).init(args.seed + k), x, t,
                                mask, channel, args.epochs, args.lr, args.batch_size,
                                args.seed + k, args.progress) for k in range(args.seeds)]
        results.append({"channel": channel,
                        "final_loss": float(np.mean([r.losses[-1] for r in runs])),
                        "accuracy": float(np.mean([r.accuracy for r in runs])),
                        "accuracy_per_seed": [r.accuracy for r in runs],
                        "initial_cosine": float(np.mean([r.initial_cosine for r in runs])),
                        "diverged": [{"seed": args.seed + k, "epoch": r.diverged_at,
                                      "cause": r.divergence}
                                     for k, r in enumerate(runs) if r.divergence],
                        "losses": [r.losses for r in runs]})
    if args.plot:
        _plot(results, args.plot, args.task)
    if args.json:
        print_json({"task": args.task, "steps": args.steps, "hidden": args.hidden,
                    "epochs": args.epochs, "lr": args.lr, "seeds": args.seeds,
                    "channels": results, "plot": args.plot})
        return 0
    print(f"{args.task}: {args.sequences} sequences of {args.steps} steps, {args.hidden} "
          f"recurrent units, {args.epochs} epochs, η = {args.lr}, seeds "
          f"{args.seed}..{args.seed + args.seeds - 1}")
    print(table([[r["channel"], f"{r['final_loss']:.4f}", f"{r['accuracy']:.3f}",
                  f"{r['initial_cosine']:.3f}"] for r in results],
                ["channel", "final error", "accuracy", "cos with gradient at start"]))
    for r in results:
        for d in r["diverged"]:
            print(f"{r['channel']} seed {d['seed']} diverged at epoch {d['epoch']}: "
                  f"{d['cause']}")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0


def _plot(results: list[dict], path: str, task: str) -> None:
    from ..plotting import pyplot, save_figure, series_style

    figure, axis = pyplot().subplots(figsize=(6, 4))
    for index, r in enumerate(results):
        # seeds that diverged stop early: the mean runs over the epochs every seed reached
        length = min(len(c) for c in r["losses"])
        mean = np.mean([c[:length] for c in r["losses"]], axis=0)
        axis.semilogy(mean, label=r["channel"], markevery=max(1, length // 8), markersize=5,
                      **series_style(index))
    axis.set(xlabel="epoch", ylabel="error E (mean over seeds)", title=f"{task} task")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    save_figure(figure, path)
