"""`neurolocal train`: one layered network, one learning channel, on a data set."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable

from ..backends import UnsupportedError
from .common import add_common, print_json


def add_training_args(parser: argparse.ArgumentParser) -> None:
    """Flags shared by `train` and `compare`."""
    parser.add_argument("--dataset", default="digits",
                        help="digits, teacher, parity[:N] or idx:IMAGES,LABELS (default digits)")
    parser.add_argument("--hidden", default="10,10",
                        help="hidden layer sizes, comma separated (default 10,10)")
    parser.add_argument("--epochs", type=int, default=60, help="training epochs (default 60)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate η (default 0.1)")
    parser.add_argument("--batch-size", type=int, default=16, help="minibatch size (default 16)")
    parser.add_argument("--hidden-transfer", default="tanh",
                        help="transfer function of hidden units (default tanh)")
    parser.add_argument("--output-transfer", default="logistic",
                        help="transfer function of output units (default logistic)")
    parser.add_argument("--backend", default="numpy", help="simulator backend (default numpy)")
    parser.add_argument("--spiking", action="store_true",
                        help="spiking units (backends that support them)")
    parser.add_argument("--target", default=None,
                        help="train for a chip (loihi2): weights, inputs and hidden activities "
                             "on its fixed-point grids (quantization-aware, straight-through "
                             "gradients), saved with the model so `deploy` converts to match")
    parser.add_argument("--progress", action="store_true", help="show progress bars")
    parser.add_argument("--eval-train", action="store_true",
                        help="evaluate the whole training set after every epoch (default: "
                             "running loss and accuracy of the epoch's minibatches)")


def setup_from_args(args: argparse.Namespace):
    from ..experiment import Setup

    try:
        hidden = tuple(int(n) for n in args.hidden.split(",") if n.strip())
    except ValueError:
        raise ValueError(f"--hidden takes comma-separated integers, not {args.hidden!r}") \
            from None
    target = args.target
    if target is not None:
        from ..network.fixed_point import check_graded_transfer, target_format

        target_format(target)
        check_graded_transfer(args.hidden_transfer, f"--target {target}: --hidden-transfer")
    return Setup(hidden, args.epochs, args.lr, args.batch_size, args.hidden_transfer,
                 args.output_transfer, args.backend, args.spiking, target,
                 args.eval_train)


def backend_errors_as_user_errors(run: Callable[[argparse.Namespace], int]
                                  ) -> Callable[[argparse.Namespace], int]:
    """A backend that cannot run a request (e.g. --spiking on numpy) is a user error: one
    line, exit 2."""
    @functools.wraps(run)
    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except UnsupportedError as error:
            raise ValueError(str(error)) from None
    return guarded


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "train", help="train a layered network through one learning channel"))
    parser.add_argument("--channel", default="bp",
                        help="channel name, options in brackets: rbp[quantize=1] (default bp; "
                             "--list-channels lists them)")
    add_training_args(parser)
    parser.add_argument("--save", metavar="FILE.npz", help="save the trained model")
    parser.add_argument("--list-channels", action="store_true",
                        help="list the registered channels and exit")
    parser.set_defaults(func=run)


def list_channels(args: argparse.Namespace) -> int:
    from ..channels import available_channels, describe_channel, get_channel

    sizes = [64, 10, 10, 10]
    rows = []
    for name in available_channels():
        channel = get_channel(name)
        rows.append({"name": name, "description": describe_channel(name),
                     "delivers": channel.delivers,
                     "architecture": channel.to_dict()["architecture"],
                     "symmetries": sorted(channel.symmetries(sizes))})
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['name']:<13} {row['description']}")
        print(f"{'':<13} architecture {row['architecture']}, needs symmetries: "
              f"{', '.join(row['symmetries']) or 'none'}")
    return 0


@backend_errors_as_user_errors
def run(args: argparse.Namespace) -> int:
    if args.list_channels:
        return list_channels(args)
    from ..data import load_dataset
    from ..experiment import ChannelSummary, train_channel

    setup = setup_from_args(args)
    data = load_dataset(args.dataset, seed=args.seed)
    run_ = train_channel(data, args.channel, setup, seed=args.seed, progress=args.progress)
    summary = ChannelSummary(run_.channel, [data.num_inputs, *setup.hidden, data.num_classes],
                             [run_])
    result = {"dataset": data.name, "sizes": summary.sizes, **summary.to_dict(),
              "history": [{"epoch": r.epoch, "train_loss": r.train_loss,
                           "train_accuracy": r.train_accuracy, "test_loss": r.test_loss,
                           "test_accuracy": r.test_accuracy, **r.extra}
                          for r in run_.history.epochs],
              "diverged_at": run_.history.diverged_at, "target": setup.target,
              "samples_per_second": run_.history.samples_per_second}
    del result["curves"], result["test_accuracy_per_seed"], result["test_accuracy_std"]
    if args.save:
        from ..io import save_model

        path = save_model(args.save, run_.simulator.network, run_.simulator.weights(),
                          getattr(run_.simulator, "channel_state", {}),
                          {"dataset": args.dataset, "epochs": setup.epochs, "seed": args.seed,
                           "lr": setup.eta, "batch_size": setup.batch_size,
                           **({"target": setup.target} if setup.target else {}),
                           "test_accuracy": result["test_accuracy"],
                           "train_accuracy": result["train_accuracy"]})
        result["saved"] = str(path)
    if args.json:
        print_json(result)
        return 0
    print(f"{data.name}: {' → '.join(map(str, summary.sizes))}, channel {run_.channel.name} "
          f"({result['channel']['architecture'] or 'no'} architecture), {setup.epochs} epochs, "
          f"η = {setup.eta}, batch {setup.batch_size}, seed {args.seed}"
          + (f", trained for {setup.target} (quantization-aware)" if setup.target else ""))
    step = max(1, len(run_.history.epochs) // 10)
    for r in run_.history.epochs[step - 1::step]:
        print(f"  epoch {r.epoch:4d}  train loss {r.train_loss:.4f}  train acc "
              f"{r.train_accuracy:.3f}  test acc {r.test_accuracy:.3f}")
    if run_.history.diverged_at is not None:
        print(f"  diverged at epoch {run_.history.diverged_at}")
    print(f"test accuracy {result['test_accuracy']:.4f}; angle to the gradient per layer: "
          f"{format_angles(result['update_angle'])}; feedback-weight angle per hidden layer: "
          f"{format_angles(result['feedback_angle'])}")
    print(f"extra synapses {result['extra_synapses']}, extra neurons {result['extra_neurons']}")
    if args.save:
        print(f"saved {result['saved']}")
    return 0


def format_angles(values: list[float | None]) -> str:
    return ", ".join("—" if v is None else f"{v:.0f}°" for v in values) or "—"
