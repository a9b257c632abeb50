"""`neurolocal import`: a NIR file as a trainable, deployable model (docs/nir.md)."""

from __future__ import annotations

import argparse

from .common import add_common, print_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "import", help="import a NIR graph (feed-forward Affine/Linear + IF/LIF/CubaLIF/LI "
                       "chain) as a model"))
    parser.add_argument("nir_file", metavar="FILE.nir", help="a NIR file")
    parser.add_argument("--save", required=True, metavar="MODEL.npz", help="model file to write")
    parser.add_argument("--channel", default=None,
                        help="learning channel for further training, e.g. srbp (default: the "
                             "file's /neurolocal extension, else bp)")
    parser.add_argument("--rule", default=None, help="rule of the output projection")
    parser.add_argument("--hidden-rule", default=None, help="rule of the hidden projections")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..interchange import read_nir
    from ..io import save_model

    model = read_nir(args.nir_file, args.channel, args.rule, args.hidden_rule)
    path = save_model(args.save, model.network, model.weights, model.channel_state,
                      model.metadata)
    network = model.network
    result = {"saved": str(path), "sizes": network.sizes,
              "transfers": [p.transfer for p in network.populations[1:]],
              "channel": None if network.channel is None else network.channel.name,
              "neurons": [None if n is None else n["type"]
                          for n in model.metadata["nir"]["neurons"]]}
    if args.json:
        print_json(result)
        return 0
    layers = ", ".join(f"{n or 'no neurons'} → {t}" for n, t in
                       zip(result["neurons"], result["transfers"]))
    print(f"imported {args.nir_file}: {' → '.join(map(str, network.sizes))} ({layers}), "
          f"channel {result['channel']}")
    print(f"saved {path}")
    return 0
