"""One run of a sweep, as a worker executes it: a configuration in, a JSON-able outcome out.

The outcome carries the metrics per epoch, the final metrics, timings and the environment
(library version, git commit, platform, host, process); a training that raises becomes a
``failed`` outcome with its error, so one bad configuration never stops a sweep.
"""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
import time
import traceback
from pathlib import Path
from typing import Any

from ..backends import EpochRecord, TrainingHistory
from ..data import Dataset, load_dataset


def execute_run(config: dict[str, Any], data: Dataset | None = None, catch: bool = True
                ) -> dict[str, Any]:
    """Train the network `config` describes (on `data`, or the data set it names) and return
    ``{"status", "epochs", "final", "error", "traceback", "timings", "environment"}``; with
    `catch` False, a training that raises raises here."""
    from ..channels import channel_from_dict
    from ..experiment import Setup, train_channel

    started, clock = time.time(), time.perf_counter()
    outcome: dict[str, Any] = {"status": "done", "epochs": [], "final": {}, "error": None,
                               "traceback": None}
    load_seconds = 0.0
    try:
        if data is None:
            data = cached_dataset(config["dataset"], config["data_seed"])
        load_seconds = time.perf_counter() - clock
        setup = Setup(tuple(config["hidden"]), config["epochs"], config["lr"],
                      config["batch_size"], config["hidden_transfer"],
                      config["output_transfer"], config["backend"], config["spiking"])
        run = train_channel(data, channel_from_dict(config["channel"]), setup, config["seed"])
        outcome["epochs"] = [epoch_dict(r) for r in run.history.epochs]
        outcome["final"] = {**(outcome["epochs"][-1] if outcome["epochs"] else {}),
                            "diverged_at": run.history.diverged_at,
                            "samples_per_second": run.history.samples_per_second}
        if config.get("deploy"):
            outcome["final"]["deploy"] = deployment(run.simulator, data, config["deploy"])
    except Exception as error:  # recorded as a failed run, retried only on request
        if not catch:
            raise
        outcome.update(status="failed", error=f"{type(error).__name__}: "
                       f"{(str(error).splitlines() or [''])[0]}",
                       traceback=traceback.format_exc())
    outcome["timings"] = {"started": started, "finished": time.time(),
                          "seconds": time.perf_counter() - clock, "load_seconds": load_seconds}
    outcome["environment"] = environment()
    return outcome


def deployment(simulator: Any, data: Dataset, options: dict[str, Any]) -> dict[str, Any]:
    """The trained network on a chip target through the registered deployer (hw, found by
    entry point: neurolocal does not depend on it): float and on-target test accuracy, their
    agreement, cores used."""
    from ..plugins import deployer

    return deployer().deploy(simulator.network, simulator.weights(), data, options)


def failed_outcome(error: BaseException) -> dict[str, Any]:
    """The outcome of a run that never returned (e.g. its workers kept dying)."""
    return {"status": "failed", "epochs": [], "final": {},
            "error": f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}",
            "traceback": "".join(traceback.format_exception(error)), "timings": {},
            "environment": {}}


def epoch_dict(record: EpochRecord) -> dict[str, Any]:
    return {"epoch": record.epoch, "train_loss": record.train_loss,
            "train_accuracy": record.train_accuracy, "test_loss": record.test_loss,
            "test_accuracy": record.test_accuracy, **record.extra}


def history_from_epochs(epochs: list[dict[str, Any]], final: dict[str, Any]
                        ) -> TrainingHistory:
    """The TrainingHistory an outcome's per-epoch metrics came from."""
    names = ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
    records = [EpochRecord(*(e.get(n) for n in names),
                           extra={k: v for k, v in e.items() if k not in names})
               for e in epochs]
    return TrainingHistory(records, final.get("diverged_at"), final.get("samples_per_second"))


@functools.lru_cache(maxsize=4)
def cached_dataset(spec: str, seed: int) -> Dataset:
    """The data set, loaded once per process (a worker runs many runs on it)."""
    return load_dataset(spec, seed=seed)


@functools.lru_cache(maxsize=1)
def _static_environment() -> dict[str, Any]:
    from .. import __version__

    commit = None
    try:
        source = Path(__file__).resolve().parents[2]  # the checkout holding neurolocal/
        result = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=5)
        if result.returncode == 0 and (source / ".git").exists():
            commit = result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return {"version": __version__, "git_commit": commit, "platform": platform.platform(),
            "python": platform.python_version(), "host": socket.gethostname()}


def environment() -> dict[str, Any]:
    """Library version, git commit (when run from a checkout), platform, host and process."""
    return {**_static_environment(), "pid": os.getpid()}
