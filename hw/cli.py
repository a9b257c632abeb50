"""`neurolocal deploy` (registered through the `neurolocal.commands` entry point, so that
`neurolocal` never imports `hw`).

    neurolocal deploy model.npz --target loihi2 --sim lava --fixed --dataset digits
    neurolocal deploy model.npz --predictions out.csv       # per-sample predictions
    neurolocal deploy model.npz --learn --sim emulator      # on-chip learning
    neurolocal deploy model.npz --learn --rule 'eta*feedback*pre - 0.001*eta*w'
    neurolocal deploy --targets                             # list chip profiles
    neurolocal deploy --plan 784,4096,4096,10 --target kapoho-point   # resources only
"""

from __future__ import annotations

import argparse
import sys

from neurolocal.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    from neurolocal.cli.common import add_common

    parser = sub.add_parser("deploy", help="deploy a trained model on a Loihi-style target "
                                           "(emulator, Lava CPU simulator, or hardware)",
                            description="Deploy a model saved by `neurolocal train --save` on a "
                            "Loihi-style target: resources, quantization, on-target accuracy, "
                            "and on-chip learning with --learn.")
    add_common(parser)
    parser.add_argument("model", nargs="?", help="a model saved by `neurolocal train --save`")
    parser.add_argument("--target", default="loihi2",
                        help="chip profile: loihi1, loihi2, kapoho-point (8 Loihi 2 chips), "
                             "nahuku32 (32 Loihi 1 chips), or a .json profile (default loihi2)")
    parser.add_argument("--sim", choices=["emulator", "lava", "loihi"], default="emulator",
                        help="numpy fixed-point emulator, Lava's CPU simulator, or Loihi "
                             "hardware (needs Intel's Lava extension); default emulator")
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument("--fixed", dest="fixed", action="store_true", default=True,
                           help="fixed-point (bit-accurate) models (default)")
    precision.add_argument("--float", dest="fixed", action="store_false",
                           help="floating-point models")
    parser.add_argument("--dataset", default="digits", help="test data set (default digits)")
    parser.add_argument("--neuron", choices=["graded", "if"], default=None,
                        help="hidden neurons: graded activation neurons (any transfer function; "
                             "default on targets with graded spikes) or rate-coded "
                             "integrate-and-fire (relu only; default otherwise)")
    parser.add_argument("--encoding", choices=["rate", "graded"], default=None,
                        help="input encoding: rate spikes or graded spikes (default: graded "
                             "for graded neurons, rate for integrate-and-fire)")
    parser.add_argument("--steps", type=int, default=None,
                        help="time steps per sample (default 1 for graded neurons, 32 for "
                             "integrate-and-fire)")
    parser.add_argument("--predictions", metavar="FILE",
                        help="write per-sample predictions, labels and decoded outputs to FILE "
                             "(.npz or .csv)")
    parser.add_argument("--num-test", type=int, default=None,
                        help="use only the first N test samples")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before an isolated Lava run is killed")
    parser.add_argument("--learn", action="store_true",
                        help="learn on the simulated chip with the model's channel")
    parser.add_argument("--epochs", type=int, default=3, help="on-chip learning epochs")
    parser.add_argument("--num-train", type=int, default=None,
                        help="on-chip learning: use only the first N training samples")
    parser.add_argument("--fine-tune", action="store_true",
                        help="on-chip learning starts from the model's weights instead of "
                             "fresh random ones")
    parser.add_argument("--rule", default=None, metavar="EXPR",
                        help="on-chip learning: the local rule every projection learns with "
                             "(e.g. 'eta*feedback*pre - 0.001*eta*w'); default: the model's")
    parser.add_argument("--approximate", action="store_true",
                        help="accept the nearest representable learning rule")
    parser.add_argument("--nir", metavar="FILE.nir",
                        help="also write the converted spiking network as a NIR graph")
    parser.add_argument("--targets", action="store_true", help="list the chip profiles")
    parser.add_argument("--plan", metavar="SIZES",
                        help="only place a network of these layer sizes (e.g. 784,4096,10) on "
                             "--target and print its resources; no model needed")
    parser.add_argument("--events", type=float, default=1.0,
                        help="with --plan: assumed events per hidden neuron per inference, "
                             "for the messages crossing chips (default 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurolocal.cli.common import print_json

    from .errors import LavaRunError

    try:
        data = _run(args)
    except LavaRunError as error:
        if args.verbose and error.child_traceback:
            print(error.child_traceback, file=sys.stderr)
        raise
    if data is None:
        return 0
    result, text = data
    if args.json:
        print_json(result)
    else:
        print(text)
    return 0


def _run(args: argparse.Namespace):
    from neurolocal.data import load_dataset
    from neurolocal.io import load_model

    from .profiles import PROFILES, get_profile

    if args.targets:
        rows = {name: p.to_dict() for name, p in PROFILES.items()}
        text = "\n".join(p.describe() for p in PROFILES.values())
        return rows, text
    if args.plan is not None:
        return _plan(args.plan, get_profile(args.target), args.events)
    if args.model is None:
        raise UserError("give a model file (saved by `neurolocal train --save`) or --targets")
    if args.steps is not None and args.steps < 1:
        raise UserError(f"--steps must be positive, not {args.steps}")
    from .deploy import default_neuron, deploy, predictions_path

    if args.predictions:
        predictions_path(args.predictions)  # refused before the run, not after it
    profile = get_profile(args.target)
    model = load_model(args.model)
    data = load_dataset(args.dataset, seed=args.seed)
    if data.num_inputs != model.network.input.size:
        raise UserError(f"data set {args.dataset} has {data.num_inputs} inputs, the model "
                         f"{model.network.input.size}")
    if args.learn:
        from .learning import learn_on_chip

        if not args.fixed:
            raise UserError("on-chip learning runs in the chip's fixed point; the float "
                             "reference (the channel's own math) is reported beside it")
        result = learn_on_chip(model, data, profile, sim=args.sim, rule=args.rule,
                               epochs=args.epochs, num_train=args.num_train,
                               num_test=args.num_test, approximate=args.approximate,
                               seed=args.seed, from_scratch=not args.fine_tune,
                               timeout=args.timeout, progress=args.progress)
        return result.to_dict(), result.format()
    if args.nir and (args.neuron or default_neuron(profile)) != "if":
        raise UserError("--nir exports integrate-and-fire conversions (NIR has no graded "
                         "activation neuron): add --neuron if")
    result = deploy(model.network, model.weights, data, profile, sim=args.sim, fixed=args.fixed,
                    encoding=args.encoding, steps=args.steps, num_test=args.num_test,
                    timeout=args.timeout, progress=args.progress,
                    neuron=args.neuron,
                    trained_for=model.metadata.get("target"))
    summary, text = result.to_dict(), result.format()
    if args.predictions:
        summary["predictions"] = str(result.save_predictions(args.predictions))
        text += f"\npredictions written to {summary['predictions']}"
    if args.nir:
        from .nir_export import write_converted

        path = write_converted(args.nir, model, data, profile, args.encoding, args.steps)
        summary["nir"] = str(path)
        text += f"\nconverted spiking network written to {path} (NIR)"
    return summary, text


def _plan(text: str, profile, events: float):
    """The resource report of the inference graph of `text` layer sizes on `profile`, with the
    inter-chip messages at `events` per hidden neuron per inference."""
    from neurolocal.cli.common import int_list

    from .graph import layer_name
    from .partition import partition

    sizes = int_list(text, "--plan")
    if events < 0:
        raise UserError(f"--events must be non-negative, not {events}")
    report = partition(sizes, profile)
    report = report.with_traffic({layer_name(k): events for k in range(1, len(sizes) - 1)})
    text = report.format()
    if profile.chips > 1:
        text += f"\n(messages assume {events:g} events per hidden neuron per inference)"
    return report.to_dict(), text
