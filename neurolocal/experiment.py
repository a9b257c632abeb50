"""Train one network per channel and seed on a data set, and summarize: what `neurolocal train`
and `neurolocal compare` run, and what the channel example reproduces.

The data split is fixed by the data seed; network seed k of a channel is ``seed + k`` (initial
weights, backward matrices, minibatch order), so every run is bit-reproducible.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backends import TrainingHistory, get_backend
from .channels import Channel, channel_network
from .channels.registry import channel_label, get_channel
from .data import Dataset
from .errors import UserError
from .network import get_transfer, projection_sizes
from .network.fixed_point import Quantizer
from .resources import require_memory


@dataclass(frozen=True)
class Setup:
    """What every run of a comparison shares."""

    hidden: tuple[int, ...] = (10, 10)
    epochs: int = 60
    eta: float = 0.1
    batch_size: int = 16
    hidden_transfer: str = "tanh"
    output_transfer: str = "logistic"
    backend: str = "numpy"
    spiking: bool = False
    target: str | None = None  # train for a chip (quantization-aware, `network.fixed_point`)
    eval_train: bool = False  # full pass over the training set per epoch (else running metrics)

    def __post_init__(self) -> None:
        if not self.hidden or any(int(n) < 1 for n in self.hidden):
            raise UserError(f"hidden sizes must be positive integers, not {self.hidden}")
        if self.epochs < 1 or self.batch_size < 1:
            raise UserError("epochs and batch size must be positive")
        if not self.eta > 0:
            raise UserError(f"the learning rate must be positive, not {self.eta}")


@dataclass
class Run:
    """One trained network: its channel, seed, history and the trained simulator (None when
    it was trained in another process)."""

    channel: Channel
    seed: int
    history: TrainingHistory
    simulator: Any

    @property
    def test_accuracy(self) -> float:
        return float("nan") if not self.history.epochs else self.history.last().test_accuracy


@dataclass
class ChannelSummary:
    """Runs of one channel over seeds, with the mean ± std of the final test accuracy."""

    channel: Channel
    sizes: list[int]
    runs: list[Run] = field(default_factory=list)

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([r.test_accuracy for r in self.runs])

    def final_angles(self, key: str) -> list[float | None]:
        """Mean over seeds of the last epoch's angles per layer (None where undefined)."""
        rows = [r.history.last().extra.get(key) for r in self.runs if r.history.epochs]
        rows = [row for row in rows if row is not None]
        if not rows:
            return []
        means = []
        for values in zip(*rows):
            defined = [v for v in values if v is not None]
            means.append(float(np.mean(defined)) if defined else None)
        return means

    def to_dict(self) -> dict[str, Any]:
        cost = self.channel.cost(self.sizes)
        return {
            "name": channel_label(self.channel),
            "channel": self.channel.to_dict(),
            "test_accuracy": float(np.mean(self.accuracies)),
            "test_accuracy_std": float(np.std(self.accuracies)),
            "test_accuracy_per_seed": self.accuracies.tolist(),
            "train_accuracy": float(np.mean([r.history.last().train_accuracy
                                             for r in self.runs if r.history.epochs] or [0])),
            "diverged": [r.seed for r in self.runs if r.history.diverged_at is not None],
            "update_angle": self.final_angles("update_angle"),
            "feedback_angle": self.final_angles("feedback_angle"),
            "extra_synapses": cost["extra_synapses"],
            "extra_neurons": cost["extra_neurons"],
            "symmetries": sorted(self.channel.symmetries(self.sizes)),
            "curves": [{"seed": r.seed, "test_accuracy": r.history.series("test_accuracy"),
                        "train_loss": r.history.series("train_loss")} for r in self.runs],
        }


def targets_for(data: Dataset, labels: np.ndarray, output_transfer: str) -> np.ndarray:
    """One-hot targets in the output units' range ({0,1}, or {−1,1} for tanh outputs)."""
    low = get_transfer(output_transfer).low
    return data.targets(labels, low=low if np.isfinite(low) else 0.0, high=1.0)


def training_bytes(sizes: list[int], samples: int, bytes_per_weight: int) -> int:
    """Estimated memory of training a network of `sizes` on `samples` samples: every weight
    costs the backend's `bytes_per_weight` (numpy: W, ΔW, a backward matrix and the last
    finite checkpoint in float32) and a full-data evaluation holds S, O and f'(S) of every
    unit for every sample (float32)."""
    weights = sum(projection_sizes(sizes))
    return weights * bytes_per_weight + 3 * 4 * samples * sum(sizes)


def train_channel(data: Dataset, channel: Channel | str, setup: Setup, seed: int = 0,
                  progress: bool = False) -> Run:
    """Build the network input → hidden… → classes for `channel` and train it."""
    channel = get_channel(channel)
    sizes = [data.num_inputs, *setup.hidden, data.num_classes]
    network = channel_network(sizes, channel, setup.hidden_transfer, setup.output_transfer,
                              setup.eta)
    options: dict[str, Any] = {"spiking": True} if setup.spiking else {}
    backend = get_backend(setup.backend)
    require_memory(training_bytes(sizes, len(data.x_train) + len(data.x_test),
                                  getattr(backend, "bytes_per_weight", 16)),
                   f"training a {'-'.join(map(str, sizes))} network on {setup.backend}")
    if setup.target is not None:
        options["quantizer"] = Quantizer(setup.target)
    simulator = backend.build(network, seed=seed, **options)
    t_train = targets_for(data, data.y_train, setup.output_transfer)
    t_test = targets_for(data, data.y_test, setup.output_transfer)
    evaluation = {"eval_train": True} if setup.eval_train else {}
    history = simulator.train(data.x_train, t_train, setup.epochs, setup.batch_size,
                              test=(data.x_test, t_test), progress=progress, **evaluation)
    return Run(channel, seed, history, simulator)


def compare_channels(data: Dataset, channels: list[Channel | str], setup: Setup,
                     seeds: int = 3, seed: int = 0, progress: bool = False,
                     executor: Any = None) -> list[ChannelSummary]:
    """Every channel trained with seeds ``seed, seed+1, …`` (the same seeds for all), through
    the sweep machinery: in process by default, or on `executor` (an open
    `neurolocal.sweep.execute` executor, e.g. a Dask cluster). Runs carry their history but
    not their simulator."""
    from tqdm import tqdm

    from .sweep.execute import InProcess
    from .sweep.run import execute_run, history_from_epochs
    from .sweep.spec import run_config, run_key

    if seeds < 1:
        raise UserError(f"seeds must be at least 1, not {seeds}")
    resolved = [get_channel(c) for c in channels]
    sizes = [data.num_inputs, *setup.hidden, data.num_classes]
    configs = [run_config(data.name, channel, seed + k, list(setup.hidden),
                          data_seed=seed, hidden_transfer=setup.hidden_transfer,
                          output_transfer=setup.output_transfer, lr=setup.eta,
                          epochs=setup.epochs, batch_size=setup.batch_size,
                          backend={"name": setup.backend, "spiking": setup.spiking},
                          target=setup.target, eval_train=setup.eval_train)
               for channel in resolved for k in range(seeds)]
    tasks = [(run_key(c), (c,)) for c in configs]
    outcomes = {}
    pool = executor or InProcess()
    with tqdm(total=len(tasks), unit="run", disable=not progress) as bar:
        for key, outcome in pool.map_unordered(functools.partial(execute_run, catch=False),
                                               tasks, shared=data, catch=False):
            outcomes[key] = outcome
            bar.update()
    summaries = []
    for index, channel in enumerate(resolved):
        summary = ChannelSummary(channel, sizes)
        for k in range(seeds):
            outcome = outcomes[tasks[index * seeds + k][0]]
            history = history_from_epochs(outcome["epochs"], outcome["final"])
            summary.runs.append(Run(channel, seed + k, history, None))
        summaries.append(summary)
    return summaries


def plot_curves(summaries: list[ChannelSummary], path: str, title: str = "") -> str:
    """Test accuracy per epoch (mean over seeds, band = ±1 std) for every channel, as PNG."""
    from .plotting import pyplot, save_figure, series_style

    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for index, summary in enumerate(summaries):
        curves = [r.history.series("test_accuracy") for r in summary.runs]
        length = min(len(c) for c in curves)
        if length == 0:
            continue
        values = np.array([c[:length] for c in curves], dtype=float)
        epochs = np.arange(1, length + 1)
        mean, std = values.mean(axis=0), values.std(axis=0)
        style = series_style(index)
        axis.plot(epochs, mean, label=channel_label(summary.channel),
                  markevery=max(1, length // 8), markersize=5, **style)
        axis.fill_between(epochs, mean - std, mean + std, alpha=0.15, color=style["color"])
    axis.set_xlabel("epoch")
    axis.set_ylabel("test accuracy")
    axis.set_ylim(0, 1)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, ncol=2)
    axis.set_title(title or "learning curves by channel")
    figure.tight_layout()
    return save_figure(figure, path)
