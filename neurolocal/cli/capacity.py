"""`neurolocal capacity`: bits, operations, rate and gradient alignment of every learning channel
on one network (THEORY.md section 7), measured next to the closed forms."""

from __future__ import annotations

import argparse

from ..errors import UserError
from ..recurrent.tasks import TASKS
from ..resources import require_memory
from .common import add_common, int_list, name_list, print_json, table

DEFAULT_CHANNELS = "bp,rbp,srbp,pwlr,pwlb,palr,pwgb,pwgbk,pwgrk"


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "capacity", help="capacity of the learning channel: bits and operations per weight, "
                         "rate, cosine with the gradient"))
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
    parser.add_argument("--precision", type=int, default=64,
                        help="bits D of one real-valued message (default 64)")
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
    from ..capacity import CHANNELS, capacity_table, sweep
    from ..capacity.formulas import NOT_MEASURABLE, RULE_CHANNELS, layer_sizes
    from ..data import load_dataset

    hidden = int_list(args.hidden, "--hidden")
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
    if args.precision < 1:
        raise UserError("--precision must be a positive number of bits")
    if args.k < 2 and "pwgbk" in channels or args.k < 1:
        raise UserError("--k must be at least 2 for pwgbk (1 for pwgrk)")
    data = load_dataset(args.dataset, seed=args.seed)
    x, t = data.x_train, data.t_train
    sizes = [x.shape[1], *hidden, t.shape[1]]
    # float64 weights, their gradient, the channel's update and feedback, perturbed copies
    require_memory(6 * 8 * sum(layer_sizes(sizes)),
                   f"measuring capacity on a {'-'.join(map(str, sizes))} network")
    rows = capacity_table(sizes, x, t, channels, args.samples, args.k, args.seed,
                          args.precision, args.progress) if channels else []
    num_weights = sum(layer_sizes(sizes))
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
    print("(measured / closed form; cosine = mean cos(Δw, −∂E/∂w) ± standard error; "
          "improvement = mean cos·‖g‖; — : no closed form)")
    for r in rows:
        if r.channel in RULE_CHANNELS:
            print(f"{r.label}: cosine per projection (1..L) "
                  f"{', '.join(_num(c) if c is not None else 'fixed' for c in r.layer_cosines)}")
    for item in skipped:
        print(f"* {item['channel']}: not measurable: {item['reason']}")
    verdict = result["bp_is_maximal"]
    if verdict is not None:
        print(f"BP's improvement is the largest: {verdict['improvement']}; the largest rate "
              f"({verdict['max_rate_channel']}) is {verdict['max_rate_over_bp_rate']:.3g}× BP's")
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
             _pair(r.ops_per_weight, r.predicted.ops_per_weight),
             _pair(r.rate, r.predicted.rate),
             f"{r.cosine:.4f} ± {r.cosine_se:.4f}", _num(r.predicted.cosine),
             f"{r.improvement:.4g}"] for r in rows]
    body += [[item["channel"], "not measurable (non-differentiable)*", "", "", "", "", ""]
             for item in skipped]
    return table(body, ["channel", "bits_per_weight", "ops_per_weight", "rate",
                        "cosine (measured)", "cosine (predicted)", "improvement"])


def _bp_maximal(rows) -> dict | None:
    """The theorem's check: BP's improvement is the largest in the table (ties within 10⁻⁶
    relative), and its rate the largest up to a constant factor (the ratio of the largest
    rate to BP's). None when BP is not in the table."""
    bp = [r for r in rows if r.channel == "bp"]
    if not bp:
        return None
    best_rate = max(rows, key=lambda r: r.rate)
    return {"improvement": all(bp[0].improvement >= r.improvement * (1 - 1e-6) for r in rows),
            "max_rate_over_bp_rate": best_rate.rate / bp[0].rate,
            "max_rate_channel": best_rate.label}


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _pair(measured: float, predicted: float) -> str:
    return f"{measured:.4g} / {predicted:.4g}"


def plot_sweep(result, path: str) -> str:
    """Rate and cosine against the number of weights W, log-log, one colour and marker per
    channel: measured values as markers (cosine ± 2 SE), the exact closed form as a solid line,
    the asymptotic form as a dotted line; labelled axes and one legend for both panels."""
    import numpy as np
    from matplotlib.lines import Line2D

    from ..capacity.formulas import asymptotic_cos
    from ..plotting import pyplot, series_style

    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    handles = []
    for index, (name, rows) in enumerate(result.measurements.items()):
        style = series_style(index)
        w = np.array([m.num_weights for m in rows])
        left.plot(w, [m.rate for m in rows], linestyle="none", markersize=6, **style)
        left.plot(w, [m.predicted.rate for m in rows], "-", color=style["color"], alpha=0.5)
        right.errorbar(w, [m.cosine for m in rows], yerr=[2 * m.cosine_se for m in rows],
                       linestyle="none", capsize=2, markersize=6, **style)
        predicted = [m.predicted.cosine for m in rows]
        if None not in predicted:
            right.plot(w, predicted, "-", color=style["color"], alpha=0.5)
        asymptotic = [asymptotic_cos(name, int(n), rows[0].k) for n in w]
        if None not in asymptotic and name not in ("bp", "pwlr", "palr", "pwlb"):
            right.plot(w, asymptotic, ":", color=style["color"], alpha=0.7)
        handles.append(Line2D([], [], linestyle="none", label=rows[0].label, **style))
    handles += [Line2D([], [], color="grey", linestyle="-", label="exact closed form"),
                Line2D([], [], color="grey", linestyle=":", label="asymptotic form")]
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("number of weights W")
        axis.grid(alpha=0.3, which="both")
    left.set_ylabel("rate R = bits / operations per weight")
    left.set_title("rate of the learning channel")
    right.set_ylabel("E cos(Δw, −∇E)  (measured ± 2 SE)")
    right.set_title("alignment with the gradient")
    figure.legend(handles=handles, loc="center right", fontsize=8, title="channel")
    figure.tight_layout(rect=(0, 0, 0.86, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
