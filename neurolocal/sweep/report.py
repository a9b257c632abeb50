"""A report of a sweep store: Markdown and HTML with figures.

Runs that differ only in their seed form a *condition*; a condition is named by its channel and
the axes that vary in the store. Per condition: learning curves (mean ± 1 std over seeds), the
final test accuracy with a 95 % Student-t confidence interval x̄ ± t₀.₉₇₅,ₙ₋₁ s/√n, the final
alignment angles per layer, and accuracy against hidden width and depth.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from ..plotting import pyplot, save_figure
from .store import Store

#: Axes that can tell two conditions apart, in the order they appear in a condition's name.
AXES = ("dataset", "data_seed", "hidden", "hidden_transfer", "output_transfer", "lr", "epochs",
        "batch_size", "backend", "deploy")
COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


@dataclass
class Condition:
    """The finished runs of one configuration over seeds."""

    channel: str
    config: dict[str, Any]
    varying: dict[str, str]  # axis -> value, for the axes that vary in the store
    rows: list[dict[str, Any]] = field(default_factory=list)

    def setting(self, without: tuple[str, ...] = ()) -> str:
        """The varying axes' values without the channel (and without `without`)."""
        return ", ".join(f"{a}={v}" for a, v in self.varying.items() if a not in without)

    @property
    def name(self) -> str:
        """The channel and the setting: ``rbp, hidden=30-30``."""
        return ", ".join(filter(None, [self.channel, self.setting()]))

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([_number(r["final"].get("test_accuracy")) for r in self.rows])

    def interval(self) -> tuple[float, float]:
        """Mean final test accuracy and the half-width of its 95 % confidence interval
        (NaN with one seed)."""
        from scipy import stats

        values = self.accuracies
        n = len(values)
        if n < 2:
            return float(np.mean(values)), float("nan")
        half = stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / np.sqrt(n)
        return float(np.mean(values)), float(half)

    def curves(self, key: str = "test_accuracy") -> np.ndarray:
        """(seeds, epochs) array of a per-epoch metric, cut to the shortest run."""
        series = [[_number(e.get(key)) for e in r["epochs"]] for r in self.rows]
        length = min(len(s) for s in series)
        return np.array([s[:length] for s in series], dtype=float)

    def angles(self, key: str) -> list[float]:
        """Mean over seeds of the last epoch's angle per layer (NaN where undefined)."""
        rows = [r["epochs"][-1].get(key) or [] for r in self.rows if r["epochs"]]
        depth = max((len(a) for a in rows), default=0)
        values = np.array([[_number(a[k]) if k < len(a) else np.nan for k in range(depth)]
                           for a in rows], dtype=float)
        return [float(np.nanmean(c)) if np.isfinite(c).any() else float("nan")
                for c in values.T]


def conditions(rows: list[dict[str, Any]]) -> list[Condition]:
    """Finished rows grouped by configuration minus the seed, ordered by channel and
    setting."""
    done = [r for r in rows if r["status"] == "done"]
    varying = [a for a in AXES if len({_text(_axis_value(r["config"], a)) for r in done}) > 1]
    groups: dict[str, Condition] = {}
    for row in done:
        config = {k: v for k, v in row["config"].items() if k != "seed"}
        key = json.dumps(config, sort_keys=True)
        if key not in groups:
            groups[key] = Condition(row["channel"], config,
                                    {a: _text(_axis_value(config, a)) for a in varying})
        groups[key].rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.channel, list(g.varying.values())))


def write_report(store_path: str | Path, out: str | Path) -> dict[str, str]:
    """Write report.md, report.html and PNG figures into `out`; returns their paths. A store
    without finished runs is refused before anything is written."""
    with Store(store_path, readonly=True) as store:
        rows = store.rows()
    groups = conditions(rows)
    if not groups:
        raise UserError(f"{store_path}: no finished runs to report")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = {"curves": plot_curves(groups, out / "curves.png"),
               "final": plot_final(groups, out / "final_accuracy.png"),
               "angles": plot_angles(groups, out / "angles.png"),
               "size": plot_size(groups, out / "accuracy_vs_size.png")}
    blocks = _blocks(store_path, rows, groups, {k: v for k, v in figures.items() if v})
    (out / "report.md").write_text(_markdown(blocks))
    (out / "report.html").write_text(_html(blocks))
    return {"markdown": str(out / "report.md"), "html": str(out / "report.html"),
            **{k: str(v) for k, v in figures.items() if v}}


def _styles(groups: list[Condition]) -> dict[str, tuple[str, str]]:
    """Channel -> (colour, marker), the same in every figure; distinct for 100 channels."""
    channels = list(dict.fromkeys(g.channel for g in groups))
    return {c: (COLOURS[k % len(COLOURS)], MARKERS[(k // len(COLOURS) + k) % len(MARKERS)])
            for k, c in enumerate(channels)}


def _panels(groups: list[Condition], without: tuple[str, ...] = ()
            ) -> dict[str, list[Condition]]:
    """Conditions by their setting (the varying axes other than the channel)."""
    panels: dict[str, list[Condition]] = {}
    for group in groups:
        panels.setdefault(group.setting(without), []).append(group)
    return panels


def _grid(rows: int, columns: int, width: float = 4.6, height: float = 3.6):
    figure, axes = pyplot().subplots(rows, columns, figsize=(width * columns + 2.4,
                                                              height * rows),
                                      squeeze=False)
    return figure, axes


def _finish(figure, axes, path: Path, styles: dict[str, tuple[str, str]],
            extra: list[tuple[str, str]] = (), integer_x: bool = True) -> Path:
    """Grid, integer ticks where x counts something, one legend for the figure: a colour and
    marker per channel, plus `extra` (label, line style) entries."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    for axis in np.ravel(axes):
        axis.grid(alpha=0.3)
        if integer_x:  # epochs, layers, widths, depths
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = [Line2D([], [], color=c, marker=m, label=channel)
               for channel, (c, m) in styles.items()]
    handles += [Line2D([], [], color="black", linestyle=s, label=label) for label, s in extra]
    figure.legend(handles=handles, loc="center right", fontsize=8, title="channel")
    figure.tight_layout(rect=(0, 0, 1 - 2.2 / figure.get_figwidth(), 1))
    return save_figure(figure, path)


def plot_curves(groups: list[Condition], path: Path) -> Path:
    """Test accuracy per epoch, one panel per setting: mean over seeds, band ±1 std."""
    styles, panels = _styles(groups), _panels(groups)
    columns = min(3, len(panels))
    figure, axes = _grid(-(-len(panels) // columns), columns)
    for axis, (setting, members) in zip(axes.flat, panels.items()):
        for group in members:
            values = group.curves()
            if values.shape[1] == 0:
                continue
            colour, marker = styles[group.channel]
            epochs = np.arange(1, values.shape[1] + 1)
            mean, std = values.mean(axis=0), values.std(axis=0)
            axis.plot(epochs, mean, color=colour, marker=marker, markersize=4,
                      markevery=max(1, len(epochs) // 8))
            axis.fill_between(epochs, mean - std, mean + std, color=colour, alpha=0.15)
        axis.set_title(setting or "learning curves", fontsize=10)
        axis.set_xlabel("epoch")
        axis.set_ylabel("test accuracy (mean ± std over seeds)")
        axis.set_ylim(0, 1)
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    return _finish(figure, axes, path, styles)


def plot_final(groups: list[Condition], path: Path) -> Path:
    """Final test accuracy per condition: each seed, and the mean with its 95 % CI."""
    styles = _styles(groups)
    figure, axes = _grid(1, 1, width=7, height=1.2 + 0.3 * len(groups))
    axis = axes[0, 0]
    for index, group in enumerate(groups):
        colour, marker = styles[group.channel]
        mean, half = group.interval()
        axis.errorbar(mean, index, xerr=None if np.isnan(half) else half, color=colour,
                      marker=marker, capsize=4, markersize=7)
        axis.scatter(group.accuracies, [index] * len(group.rows), facecolors="none",
                     edgecolors=colour, marker="o", s=25, alpha=0.7)
    axis.set_yticks(range(len(groups)), [g.name for g in groups], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, 1)
    axis.set_xlabel("final test accuracy (filled: mean, bar: 95% CI, circles: seeds)")
    axis.set_ylabel("condition")
    axis.set_title("final test accuracy per condition")
    return _finish(figure, axes, path, styles, integer_x=False)


ANGLES = (("update_angle", "∠(ΔW, −∂E/∂W)"), ("feedback_angle", "∠(C, Wᵀ)"))


def plot_angles(groups: list[Condition], path: Path) -> Path | None:
    """Final angles per layer (mean over seeds): ∠(ΔW, −∇E) on the top row, ∠(C, Wᵀ) per
    hidden layer below, one column per setting; None when no channel has them."""
    if not any(np.isfinite(g.angles(k)).any() for g in groups for k, _ in ANGLES):
        return None
    styles, panels = _styles(groups), _panels(groups)
    figure, axes = _grid(2, len(panels))
    for column, (setting, members) in enumerate(panels.items()):
        for row, (key, title) in enumerate(ANGLES):
            axis = axes[row, column]
            for group in members:
                values = np.array(group.angles(key))
                if np.isfinite(values).any():
                    colour, marker = styles[group.channel]
                    axis.plot(np.arange(1, len(values) + 1), values, color=colour,
                              marker=marker)
            axis.set_title(f"{title}{', ' + setting if setting else ''}", fontsize=10)
            axis.set_xlabel("layer" if row == 0 else "hidden layer")
            axis.set_ylabel("angle (degrees)")
            axis.axhline(90, color="grey", lw=0.6)
            axis.set_ylim(0, 180)
    return _finish(figure, axes, path, styles)


def plot_size(groups: list[Condition], path: Path) -> Path | None:
    """Mean final accuracy (± 95 % CI) against hidden width (largest hidden layer), a line
    style per depth, and against depth, a line style per width; one row per setting of the
    other axes. None when the hidden sizes do not vary."""
    if len({tuple(g.config["hidden"]) for g in groups}) < 2:
        return None
    styles, panels = _styles(groups), _panels(groups, without=("hidden",))
    figure, axes = _grid(len(panels), 2)
    lines = ["-", "--", ":", "-."]
    legend: dict[str, str] = {}
    for row, (setting, members) in enumerate(panels.items()):
        for column, (x_name, by_name) in enumerate((("width", "depth"), ("depth", "width"))):
            axis = axes[row, column]
            points: dict[tuple[str, int], list[tuple[int, float, float]]] = {}
            for group in members:
                size = {"width": max(group.config["hidden"]),
                        "depth": len(group.config["hidden"])}
                points.setdefault((group.channel, size[by_name]), []).append(
                    (size[x_name], *group.interval()))
            values = sorted({by for _, by in points})
            for (channel, by), series in points.items():
                style = lines[values.index(by) % len(lines)]
                legend[f"{by_name} {by}"] = style
                x, mean, half = (np.array(c, dtype=float) for c in zip(*sorted(series)))
                colour, marker = styles[channel]
                axis.errorbar(x, mean, yerr=np.where(np.isnan(half), 0, half), color=colour,
                              marker=marker, linestyle=style, capsize=3)
            axis.set_xlabel(f"hidden {x_name}" + (" (largest hidden layer)"
                                                  if x_name == "width" else " (hidden layers)"))
            axis.set_ylabel("final test accuracy (mean, 95% CI)")
            axis.set_ylim(0, 1)
            axis.set_title(f"accuracy vs {x_name}{', ' + setting if setting else ''}",
                           fontsize=10)
    return _finish(figure, axes, path, styles, extra=sorted(legend.items()))


def _blocks(store_path, rows, groups, figures) -> list[tuple]:
    failed = [r for r in rows if r["status"] == "failed"]
    commits = sorted({str(r["environment"].get("git_commit"))[:12] for r in rows
                      if r["environment"]})
    versions = sorted({str(r["environment"].get("version")) for r in rows if r["environment"]})
    blocks: list[tuple] = [
        ("h1", f"Sweep report: {Path(store_path).name}"),
        ("p", f"{len(rows)} runs in the store: {len(rows) - len(failed)} finished, "
              f"{len(failed)} failed; {len(groups)} conditions. neurolocal "
              f"{', '.join(versions) or '?'}, commit {', '.join(commits) or 'unknown'}."),
        ("h2", "Final test accuracy"),
        ("table", ["condition", "seeds", "test acc (mean)", "95% CI", "train acc",
                   "∠(ΔW, −∇E) per layer", "∠(C, Wᵀ) per hidden", "training s/run"],
         [_table_row(g) for g in groups]),
    ]
    deployed = [g for g in groups if g.config.get("deploy")]
    if deployed:
        blocks += [("h2", "On-target accuracy (hw.deploy)"),
                   ("table", ["condition", "seeds", "float acc", "on-target acc",
                              "agreement", "cores"], [_deploy_row(g) for g in deployed])]
    titles = {"final": "Final accuracy with confidence intervals", "curves": "Learning curves",
              "angles": "Alignment angles", "size": "Accuracy vs width and depth"}
    for key in ("final", "curves", "angles", "size"):
        if key in figures:
            blocks += [("h2", titles[key]), ("img", Path(figures[key]).name, titles[key])]
    if failed:
        blocks += [("h2", "Failed runs"),
                   ("table", ["channel", "seed", "attempts", "error"],
                    [[r["channel"], r["seed"], r["attempts"], r["error"]] for r in failed])]
    return blocks


def _table_row(group: Condition) -> list[str]:
    mean, half = group.interval()
    train = np.mean([_number(r["final"].get("train_accuracy")) for r in group.rows])
    seconds = np.mean([r["timings"]["seconds"] - r["timings"]["load_seconds"]
                       for r in group.rows])
    return [group.name, str(len(group.rows)), f"{mean:.3f}",
            "—" if np.isnan(half) else f"± {half:.3f}", f"{train:.3f}",
            _angles(group.angles("update_angle")), _angles(group.angles("feedback_angle")),
            f"{seconds:.2f}"]


def _deploy_row(group: Condition) -> list[str]:
    results = [r["final"]["deploy"] for r in group.rows]
    mean = {k: np.mean([_number(d[k]) for d in results])
            for k in ("float_accuracy", "target_accuracy", "agreement", "cores")}
    return [group.name, str(len(results)), f"{mean['float_accuracy']:.3f}",
            f"{mean['target_accuracy']:.3f}", f"{mean['agreement']:.3f}",
            f"{mean['cores']:g}"]


def _markdown(blocks: list[tuple]) -> str:
    lines = []
    for kind, *content in blocks:
        if kind in ("h1", "h2"):
            lines += ["#" * int(kind[1]) + " " + content[0], ""]
        elif kind == "p":
            lines += [content[0], ""]
        elif kind == "img":
            lines += [f"![{content[1]}]({content[0]})", ""]
        else:
            header, body = content
            cell = [[str(c).replace("|", "\\|") for c in row] for row in [header, *body]]
            lines += ["| " + " | ".join(cell[0]) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(row) + " |" for row in cell[1:]] + [""]
    return "\n".join(lines)


def _html(blocks: list[tuple]) -> str:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>sweep report</title>"
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
             "img{max-width:100%}</style></head><body>"]
    for kind, *content in blocks:
        if kind in ("h1", "h2", "p"):
            parts.append(f"<{kind}>{html.escape(content[0])}</{kind}>")
        elif kind == "img":
            parts.append(f"<img src='{html.escape(content[0])}' "
                         f"alt='{html.escape(content[1])}'>")
        else:
            header, body = content
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>"
                                                 for c in header) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row)
                      + "</tr>" for row in body]
            parts.append("</table>")
    return "\n".join(parts + ["</body></html>"])


def _angles(values: list[float]) -> str:
    return ", ".join("—" if np.isnan(v) else f"{v:.0f}°" for v in values) or "—"


def _axis_value(config: dict[str, Any], axis: str) -> Any:
    if axis == "backend":
        return config["backend"] + ("-spiking" if config.get("spiking") else "")
    if axis == "deploy":
        deploy = config.get("deploy")
        return "none" if not deploy else f"{deploy['target']}-{deploy['sim']}"
    return config.get(axis)


def _text(value: Any) -> str:
    return "-".join(map(str, value)) if isinstance(value, list) else str(value)


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)
