"""`neurolocal brian2`: the Brian2 code generated for a rule or for a whole network."""

from __future__ import annotations

import argparse

from ..errors import UserError
from .common import add_common, int_list, print_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "brian2", help="print the Brian2 equations generated for a rule or a network"))
    parser.add_argument("--rule", help="show the code of one rule (a name or an expression)")
    parser.add_argument("--channel", default="srbp", help="learning channel (default srbp)")
    parser.add_argument("--sizes", default="4,3,2",
                        help="population sizes, comma separated (default 4,3,2)")
    parser.add_argument("--spiking", action="store_true", help="LIF units with traces")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..backends import UnsupportedError, get_backend
    from ..backends.brian2 import compile_rule
    from ..channels import channel_network, get_channel
    from ..rules import get_rule

    if args.rule:
        code = compile_rule(get_rule(args.rule))
        if args.json:
            print_json({"rule": code.rule.to_dict(), "update": code.update,
                        "on_pre": code.on_pre, "on_post": code.on_post,
                        "on_clock": code.on_clock, "bias_update": code.bias_update,
                        "parameters": code.parameters})
        else:
            print(code)
        return 0
    sizes = list(int_list(args.sizes, "--sizes"))
    network = channel_network(sizes, get_channel(args.channel))
    try:
        simulator = get_backend("brian2").build(network, seed=args.seed, spiking=args.spiking)
    except UnsupportedError as error:
        raise UserError(str(error)) from None
    text = simulator.equations()
    if args.json:
        print_json({"network": network.to_dict(), "spiking": args.spiking, "equations": text})
    else:
        print(text)
    return 0
