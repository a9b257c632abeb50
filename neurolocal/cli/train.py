"""`neurolocal train`: one layered network, one learning channel, on a data set."""

from __future__ import annotations

import argparse
import math
import sys

from ..backends import available_backends
from ..errors import UserError
from ..network.transfer import ALIASES, TRANSFERS
from .common import add_common, int_list, print_json

TRANSFER_NAMES = [*TRANSFERS, *ALIASES]


def add_training_args(parser: argparse.ArgumentParser) -> None:
    """Flags shared by `train` and `compare`."""
    parser.add_argument("--dataset", default="digits",
                        help="digits, teacher, parity[:N] or idx:IMAGES,LABELS (default digits)")
    parser.add_argument("--hidden", default="10,10",
                        help="hidden layer sizes, comma separated (default 10,10)")
    parser.add_argument("--epochs", type=int, default=60, help="training epochs (default 60)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate η (default 0.1)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="minibatch size (default 16; 1 with --spiking: online, spike by "
                             "spike)")
    parser.add_argument("--hidden-transfer", default="tanh", choices=TRANSFER_NAMES,
                        help="transfer function of hidden units (default tanh)")
    parser.add_argument("--output-transfer", default="logistic", choices=TRANSFER_NAMES,
                        help="transfer function of output units (default logistic)")
    parser.add_argument("--backend", default="numpy", choices=available_backends(),
                        help="simulator backend (default numpy)")
    parser.add_argument("--spiking", action="store_true",
                        help="spiking units (backends that support them)")
    parser.add_argument("--target", default=None,
                        help="train for a chip (loihi2): weights, inputs and hidden activities "
                             "on its fixed-point grids (quantization-aware, straight-through "
                             "gradients), saved with the model so `deploy` converts to match")
    parser.add_argument("--eval-train", action="store_true",
                        help="evaluate the whole training set after every epoch (default: "
                             "running loss and accuracy of the epoch's minibatches)")


def setup_from_args(args: argparse.Namespace):
    from ..experiment import Setup

    hidden = int_list(args.hidden, "--hidden")
    if args.batch_size is None:
        args.batch_size = 1 if args.spiking else 16
    if args.epochs < 0 or args.batch_size < 1 or not math.isfinite(args.lr):
        raise UserError("--epochs must be ≥ 0, --batch-size ≥ 1 and --lr a finite number")
    target = args.target
    if target is not None:
        from ..network.fixed_point import check_graded_transfer, target_format

        target_format(target)
        check_graded_transfer(args.hidden_transfer, f"--target {target}: --hidden-transfer")
    return Setup(hidden, args.epochs, args.lr, args.batch_size, args.hidden_transfer,
                 args.output_transfer, args.backend, args.spiking, target,
                 args.eval_train)


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "train", help="train a layered network through one learning channel"))
    parser.add_argument("--channel", default="bp",
                        help="channel name, options in brackets: rbp[quantize=1] (default bp; "
                             "--list-channels lists them)")
    add_training_args(parser)
    parser.add_argument("--save", metavar="FILE.npz",
                        help="save the trained model (refused if training diverged)")
    parser.add_argument("--save-last-finite", action="store_true",
                        help="if training diverged, save the weights of the last epoch before "
                             "it instead of refusing")
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
              "diverged_at": run_.history.diverged_at,
              "divergence": run_.history.divergence, "target": setup.target,
              "samples_per_second": run_.history.samples_per_second}
    del result["curves"], result["test_accuracy_per_seed"], result["test_accuracy_std"]
    refused = None
    if args.save:
        refused = save_trained(args, run_, setup, result)
    if args.json:
        print_json(result)
    else:
        print_summary(args, data, setup, run_, summary, result)
    if refused:
        print(f"neurolocal train: {refused}", file=sys.stderr)
        return 1
    return 0


def save_trained(args: argparse.Namespace, run_, setup, result: dict) -> str | None:
    """Write the model to --save; a diverged run is refused (the reason is returned) unless
    --save-last-finite, which writes the weights before the diverging epoch."""
    from ..io import save_model

    history = run_.history
    weights = run_.simulator.weights()
    metadata = {"dataset": args.dataset, "epochs": setup.epochs, "seed": args.seed,
                "lr": setup.eta, "batch_size": setup.batch_size,
                **({"target": setup.target} if setup.target else {}),
                "test_accuracy": result["test_accuracy"],
                "train_accuracy": result["train_accuracy"]}
    result["saved"] = None
    if history.diverged_at is not None:
        if not args.save_last_finite or history.last_finite is None:
            return (f"not saving {args.save}: training diverged at epoch "
                    f"{history.diverged_at} ({history.divergence}); --save-last-finite saves "
                    f"the weights after epoch {history.diverged_at - 1} instead")
        weights = history.last_finite
        metadata.update(epochs=history.diverged_at - 1, diverged_at=history.diverged_at,
                        divergence=history.divergence)
        state = {}  # the channel's state is from the diverged epoch
    else:
        state = getattr(run_.simulator, "channel_state", {})
    path = save_model(args.save, run_.simulator.network, weights, state, metadata)
    result["saved"] = str(path)
    result["saved_epoch"] = metadata["epochs"]
    return None


def print_summary(args, data, setup, run_, summary, result: dict) -> None:
    print(f"{data.name}: {' → '.join(map(str, summary.sizes))}, channel {run_.channel.name} "
          f"({result['channel']['architecture'] or 'no'} architecture), {setup.epochs} epochs, "
          f"η = {setup.eta}, batch {setup.batch_size}, seed {args.seed}"
          + (f", trained for {setup.target} (quantization-aware)" if setup.target else ""))
    step = max(1, len(run_.history.epochs) // 10)
    for r in run_.history.epochs[step - 1::step]:
        print(f"  epoch {r.epoch:4d}  train loss {r.train_loss:.4f}  train acc "
              f"{r.train_accuracy:.3f}  test acc {r.test_accuracy:.3f}")
    if run_.history.diverged_at is not None:
        print(f"  diverged at epoch {run_.history.diverged_at}: {run_.history.divergence}")
    accuracy = result["test_accuracy"]  # NaN when no epoch finished
    accuracy = "—" if accuracy != accuracy else f"{accuracy:.4f}"
    print(f"test accuracy {accuracy}; angle to the gradient per layer: "
          f"{format_angles(result['update_angle'])}; feedback-weight angle per hidden layer: "
          f"{format_angles(result['feedback_angle'])}")
    print(f"extra synapses {result['extra_synapses']}, extra neurons {result['extra_neurons']}")
    if result.get("saved"):
        print(f"saved {result['saved']} (weights after epoch {result['saved_epoch']})")


def format_angles(values: list[float | None]) -> str:
    return ", ".join("—" if v is None else f"{v:.0f}°" for v in values) or "—"
