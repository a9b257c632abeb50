"""`neurolocal capacity`: information about the gradient, operations, rate and gradient alignment
of every learning channel on one network (THEORY.md section 7), measured next to the closed
forms."""

from __future__ import annotations

import argparse

from ..errors import UserError
from ..recurrent.tasks import TASKS
from ..resources import require_memory
from .common import add_common, int_list, name_list, print_json, table

DEFAULT_CHANNELS = "bp,rbp,srbp,pwlr,pwlb,palr,pwgb,pwgbk,pwgrk"


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "capacity", help="capacity of the learning channel: bits about the gradient and "
                         "operations per weight, rate, cosine with the gradient"))
    parser.add_argument("--hidden", default="20,20",
                        help="hidden layer sizes, comma separated (default 20,20)")
    parser.add_argument("--samples", type=int, default=100,
                        help="minibatches the cosine is averaged over (default 100)")
    parser.add_argument("--channels", default=DEFAULT_CHANNELS,
                        help=f"comma-separated channels, or 'all' for every channel of the "
                             f"registry (default {DEFAULT_CHANNELS}); channels that cannot be "
                             "measured (deep_targets: threshold networks, no gradient) are "
                             "listed with the reason")
    parser.add_argument("--k", type=int, default=8, help="trials of PWGBk and PWGRk (default 8)")
    parser.add_argument("--precision", type=int, default=32,
                        help="bits D of one real-valued message, the most information a weight's "
                             "update can carry about its gradient (default 32; measured in "
                             "float64, so at most ~50)")
    parser.add_argument("--dataset", default="digits",
                        help="data set the minibatches come from (default digits)")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also sweep the hidden width and write a log-log plot of rate and "
                             "cosine against W per channel, with fitted exponents")
    parser.add_argument("--widths", default="4,8,16,32",
                        help="hidden widths of the sweep behind --plot (default 4,8,16,32)")
    parser.add_argument("--recurrent", metavar="TASK", choices=TASKS,
                        help="measure channels through time instead, on a recurrent network "
                             "(the first --hidden size) and a sequence task: delay, recall or "
                             "parity (channels bptt,rbptt,srbptt,pwlr,pwlb,pwgb,pwgbk,pwgrk)")
    parser.add_argument("--steps", type=int, default=8,
                        help="sequence length with --recurrent (default 8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..capacity import CHANNELS, capacity_table, plot_sweep, sweep
    from ..capacity.formulas import NOT_MEASURABLE
    from ..data import load_dataset
    from ..network import projection_sizes

    hidden = int_list(args.hidden, "--hidden")
    if not 1 <= args.precision <= 50:
        raise UserError("--precision must be 1..50 bits (the measurement runs in float64)")
    if args.recurrent:
        if args.plot:
            raise UserError("--plot sweeps feed-forward networks; it does not combine with "
                             "--recurrent")
        return run_recurrent(args, hidden[0])
    requested = tuple(name_list(args.channels, "--channels"))
    if requested == ("all",):
        requested = (*CHANNELS, *NOT_MEASURABLE)
    unknown = [c for c in requested if c not in CHANNELS and c not in NOT_MEASURABLE]
    if unknown or not requested:
        raise UserError(f"unknown channel {', '.join(unknown) or '(none)'}; the capacity table "
                         f"knows {', '.join(CHANNELS)} (and lists "
                         f"{', '.join(NOT_MEASURABLE)} as not measurable)")
    channels = tuple(c for c in requested if c in CHANNELS)
    skipped = [{"channel": c, "reason": NOT_MEASURABLE[c]} for c in requested
               if c in NOT_MEASURABLE]
    if args.samples < 2:
        raise UserError("--samples must be at least 2")
    if args.k < 2 and "pwgbk" in channels or args.k < 1:
        raise UserError("--k must be at least 2 for pwgbk (1 for pwgrk)")
    data = load_dataset(args.dataset, seed=args.seed)
    x, t = data.x_train, data.t_train
    sizes = [x.shape[1], *hidden, t.shape[1]]
    num_weights = sum(projection_sizes(sizes))
    # float64 weights, their gradient, the channel's update and feedback, perturbed copies
    require_memory(6 * 8 * num_weights,
                   f"measuring capacity on a {'-'.join(map(str, sizes))} network")
    rows = capacity_table(sizes, x, t, channels, args.samples, args.k, args.seed,
                          args.precision, args.progress) if channels else []
    result = {"dataset": data.name, "sizes": sizes, "num_weights": num_weights,
              "samples": args.samples, "k": args.k, "precision_bits": args.precision,
              "channels": [r.to_dict() for r in rows], "not_measurable": skipped,
              "bp_is_maximal": _bp_maximal(rows)}
    scaling = None
    if args.plot and channels:
        widths = int_list(args.widths, "--widths")
        scaling = sweep(widths, len(hidden), x, t, channels, args.samples, args.k, args.seed,
                        args.precision, args.progress)
        plot_sweep(scaling, args.plot)
        result["sweep"] = scaling.to_dict()
        result["plot"] = args.plot
    if args.json:
        print_json(result)
        return 0
    print(f"{data.name}: {' → '.join(map(str, sizes))}, W = {num_weights} weights, "
          f"{args.samples} samples, D = {args.precision} bits, k = {args.k}, seed {args.seed}")
    print(_table(rows, skipped))
    print("(measured / closed form; bits = information about the gradient per weight, "
          "min(D, ½ log₂ 1/(1 − cos²)) averaged over the delivered updates; message = feedback "
          "bits sent per weight; cosine = mean cos(Δw, −∂E/∂w) ± standard error; improvement = "
          "mean cos·‖g‖; — : no closed form)")
    for r in rows:
        if r.predicted.cosine is None and r.layer_cosines is not None:
            print(f"{r.label}: cosine per projection (1..L) "
                  f"{', '.join(_num(c) if c is not None else 'fixed' for c in r.layer_cosines)}")
    for item in skipped:
        print(f"* {item['channel']}: not measurable: {item['reason']}")
    verdict = result["bp_is_maximal"]
    if verdict is not None:
        print(f"BP's improvement is the largest: {verdict['improvement']}; BP's rate is the "
              f"largest: {verdict['rate']} (next: {verdict['next_rate_channel']}, "
              f"{verdict['next_rate_over_bp_rate']:.3g}× BP's)")
    if scaling is not None and scaling.measurements:
        print(f"\nexponents in W over hidden widths {scaling.widths} (y ∝ W^e; theory in "
              f"brackets):")
        body = []
        for name in scaling.measurements:
            e = scaling.exponents(name)
            body.append([scaling.measurements[name][0].label, _num(e["ops_per_weight"]),
                         f"{_num(e['rate'])} [{_num(e['rate_theory'])}]",
                         f"{_num(e['cosine'])} [{_num(e.get('cosine_theory'))}]"])
        print(table(body, ["channel", "ops_per_weight", "rate", "cosine"]))
        print(f"plot: {args.plot}")
    return 0


def run_recurrent(args: argparse.Namespace, hidden: int) -> int:
    from ..recurrent import RecurrentNetwork, sequence_task
    from ..recurrent.capacity import RECURRENT_CAPACITY, measure_recurrent

    channels = RECURRENT_CAPACITY if args.channels == DEFAULT_CHANNELS else tuple(
        name_list(args.channels, "--channels"))
    unknown = [c for c in channels if c not in RECURRENT_CAPACITY]
    if unknown or not channels:
        raise UserError(f"unknown recurrent channel {', '.join(unknown) or '(none)'}; known: "
                         f"{', '.join(RECURRENT_CAPACITY)}")
    if args.samples < 2:
        raise UserError("--samples must be at least 2")
    x, t, mask = sequence_task(args.recurrent, 512, args.steps, seed=args.seed)
    net = RecurrentNetwork(1, hidden, 1).init(args.seed)
    rows = [measure_recurrent(net, c, x, t, mask, args.samples, k=args.k, seed=args.seed,
                              precision_bits=args.precision, progress=args.progress)
            for c in channels]
    if args.json:
        print_json({"task": args.recurrent, "steps": args.steps, "hidden": hidden,
                    "num_weights": net.num_weights, "samples": args.samples, "k": args.k,
                    "channels": [r.to_dict() for r in rows]})
        return 0
    print(f"recurrent network 1 → {hidden} (recurrent) → 1 unfolded over {args.steps} steps, "
          f"W = {net.num_weights} shared weights, task {args.recurrent}, {args.samples} "
          f"sequences, D = {args.precision} bits, k = {args.k}; ops per weight and sequence")
    print(_table(rows))
    return 0


def _table(rows, skipped=()) -> str:
    body = [[r.label, _pair(r.bits_per_weight, r.predicted.bits_per_weight),
             f"{r.message_bits:.4g}", _pair(r.ops_per_weight, r.predicted.ops_per_weight),
             _pair(r.rate, r.predicted.rate),
             f"{r.cosine:.4f} ± {r.cosine_se:.4f}", _num(r.predicted.cosine),
             f"{r.improvement:.4g}"] for r in rows]
    body += [[item["channel"], "not measurable (non-differentiable)*", "", "", "", "", "", ""]
             for item in skipped]
    return table(body, ["channel", "bits_per_weight", "message", "ops_per_weight", "rate",
                        "cosine (measured)", "cosine (predicted)", "improvement"])


def _bp_maximal(rows) -> dict | None:
    """The theorem's check: BP's improvement and its rate (information about the gradient per
    operation) are the largest in the table (ties within 10⁻⁶ relative). None when BP is not
    in the table."""
    bp = [r for r in rows if r.channel == "bp"]
    if not bp:
        return None
    others = [r for r in rows if r.channel != "bp"]
    best = max(others, key=lambda r: r.rate) if others else bp[0]
    return {"improvement": all(bp[0].improvement >= r.improvement * (1 - 1e-6) for r in rows),
            "rate": all(bp[0].rate >= r.rate * (1 - 1e-6) for r in rows),
            "next_rate_channel": best.label, "next_rate_over_bp_rate": best.rate / bp[0].rate}


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _pair(measured: float, predicted: float | None) -> str:
    return f"{measured:.4g} / {_num(predicted)}"
