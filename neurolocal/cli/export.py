"""`neurolocal export`: a saved model as a NIR file (docs/nir.md)."""

from __future__ import annotations

import argparse

from .common import add_common, print_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "export", help="export a saved model as a NIR graph (with the learning channel as an "
                       "extension)"))
    parser.add_argument("model", help="a model saved by `neurolocal train --save`")
    parser.add_argument("--format", choices=["nir"], default="nir", help="file format (nir)")
    parser.add_argument("--out", required=True, metavar="FILE.nir", help="file to write")
    parser.add_argument("--no-extension", action="store_true",
                        help="write standard NIR nodes only, without the /neurolocal group "
                             "(channel and rules)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..interchange import read_graph, write_nir
    from ..interchange.chain import walk
    from ..io import load_model

    model = load_model(args.model)
    path, warnings = write_nir(args.out, model, extension=not args.no_extension)
    graph = read_graph(path)  # NIR's own reader and type checks
    nodes = [f"{name}:{type(node).__name__}" for name, node in walk(graph)]
    result = {"out": str(path), "format": args.format, "nodes": nodes,
              "extension": not args.no_extension, "warnings": warnings}
    if args.json:
        print_json(result)
        return 0
    print(f"wrote {path}: {' → '.join(nodes)} (read back by nir.read)")
    if not args.no_extension:
        print("learning channel and rules in the /neurolocal extension")
    for warning in warnings:
        print(f"warning: {warning}")
    return 0
