"""`neurolocal deploy` (registered through the `neurolocal.commands` entry point, so that
`neurolocal` never imports `hw`).

    neurolocal deploy model.npz --target loihi2 --sim lava --fixed --dataset digits
    neurolocal deploy model.npz --learn --sim emulator      # on-chip learning
    neurolocal deploy --targets                             # list chip profiles
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
                        help="chip profile: loihi1, loihi2, or a .json profile (default loihi2)")
    parser.add_argument("--sim", choices=["emulator", "lava", "loihi"], default="emulator",
                        help="numpy fixed-point emulator, Lava's CPU simulator, or Loihi "
                             "hardware (needs Intel's Lava extension); default emulator")
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument("--fixed", dest="fixed", action="store_true", default=True,
                           help="fixed-point (bit-accurate) models (default)")
    precision.add_argument("--float", dest="fixed", action="store_false",
                           help="floating-point models")
    parser.add_argument("--dataset", default="digits", help="test data set (default digits)")
    parser.add_argument("--encoding", choices=["rate", "graded"], default="rate",
                        help="input encoding: rate spikes or graded spikes (default rate)")
    parser.add_argument("--steps", type=int, default=32, help="time steps per sample")
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
    parser.add_argument("--approximate", action="store_true",
                        help="accept the nearest representable learning rule")
    parser.add_argument("--targets", action="store_true", help="list the chip profiles")
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
        text = "\n".join(f"{p.name}: {p.cores_per_chip} cores, {p.neurons_per_core} neurons and "
                         f"{p.synaptic_memory_bytes_per_core} B synaptic memory per core, "
                         f"{p.weight_bits}-bit weights, {p.state_bits}-bit state"
                         for p in PROFILES.values())
        return rows, text
    if args.model is None:
        raise UserError("give a model file (saved by `neurolocal train --save`) or --targets")
    if args.steps < 1:
        raise UserError(f"--steps must be positive, not {args.steps}")
    model = load_model(args.model)
    profile = get_profile(args.target)
    data = load_dataset(args.dataset, seed=args.seed)
    if data.num_inputs != model.network.input.size:
        raise UserError(f"data set {args.dataset} has {data.num_inputs} inputs, the model "
                         f"{model.network.input.size}")
    if args.learn:
        from .learning import learn_on_chip

        result = learn_on_chip(model, data, profile, sim=args.sim, fixed=args.fixed,
                               epochs=args.epochs, num_train=args.num_train,
                               num_test=args.num_test, approximate=args.approximate,
                               seed=args.seed, from_scratch=not args.fine_tune,
                               timeout=args.timeout, progress=args.progress)
        return result.to_dict(), result.format()
    from .deploy import deploy

    result = deploy(model.network, model.weights, data, profile, sim=args.sim, fixed=args.fixed,
                    encoding=args.encoding, steps=args.steps, num_test=args.num_test,
                    timeout=args.timeout, progress=args.progress)
    return result.to_dict(), result.format()
