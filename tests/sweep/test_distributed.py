"""Sweeps on a real Dask cluster (scheduler and worker processes): the same numbers as in
process, a killed client or worker loses nothing and runs nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from neurolocal.cli import main
from neurolocal.data import load_digits
from neurolocal.experiment import Setup, train_channel
from neurolocal.sweep.execute import open_executor, run_sweep
from neurolocal.sweep.spec import load_spec

pytestmark = pytest.mark.slow

#: runs of ~0.2-0.4 s each, so a sweep is still running when a process is killed.
SLOW_SPEC = """name: slow
channels: [bp, rbp]
seeds: 4
hidden: [30, 30]
epochs: 8
batch_size: 8
"""


def sweep_json(capsys, *args: str) -> dict:
    code = main(["sweep", *args, "--json"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0, output
    return output


def stored(store) -> dict[str, tuple[float, int]]:
    """key -> (recorded, attempts), read without writing."""
    if not store.exists():
        return {}
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return {k: (r, a) for k, r, a in db.execute("SELECT key, recorded, attempts FROM runs")}
    except sqlite3.OperationalError:  # the table is not there yet
        return {}
    finally:
        db.close()


def start_sweep(cluster, spec, store) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neurolocal", "sweep", str(spec), "--store",
                             str(store), "--scheduler", cluster.address, "--json"],
                            env=cluster.environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_runs_on_workers_give_the_numbers_of_the_same_runs_in_process(cluster, tmp_path,
                                                                      capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("channels: [bp, srbp]\nseeds: [0, 3]\nhidden: [6]\nepochs: 3\n")
    out = sweep_json(capsys, str(spec), "--store", str(tmp_path / "s.sqlite"),
                     "--scheduler", cluster.address)
    assert (out["total"], out["done"], out["ran"], out["failed"]) == (4, 4, 4, 0)
    data = load_digits(seed=0)
    for result in out["results"]:
        assert result["environment"]["pid"] != os.getpid()  # trained on a worker
        reference = train_channel(data, result["channel"], Setup(hidden=(6,), epochs=3),
                                  seed=result["seed"]).history
        assert result["test_accuracy"] == reference.last().test_accuracy
        assert [e["train_loss"] for e in json.loads(json.dumps(
            _epochs(tmp_path / "s.sqlite", result["key"])))] == reference.series("train_loss")


def _epochs(store, key):
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return json.loads(db.execute("SELECT epochs FROM runs WHERE key = ?", (key,)
                                     ).fetchone()[0])
    finally:
        db.close()


def test_a_client_killed_mid_sweep_resumes_without_losing_or_repeating_runs(cluster, tmp_path,
                                                                           capsys):
    spec, store = tmp_path / "slow.yaml", tmp_path / "s.sqlite"
    spec.write_text(SLOW_SPEC)
    client = start_sweep(cluster, spec, store)
    try:
        deadline = time.monotonic() + 60
        while len(stored(store)) < 2 and client.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        client.send_signal(signal.SIGKILL)
        client.communicate(timeout=10)
    finally:
        cluster.stop(client)
    before = stored(store)
    assert 2 <= len(before) < 8, "the kill must land mid-sweep"
    out = sweep_json(capsys, str(spec), "--store", str(store), "--scheduler", cluster.address)
    assert (out["total"], out["done"], out["failed"]) == (8, 8, 0)
    assert out["ran"] == 8 - len(before)
    after = stored(store)
    assert len(after) == 8 and len({r["key"] for r in out["results"]}) == 8
    assert all(after[key] == before[key] for key in before)  # not recorded again
    assert all(attempts == 1 for _, attempts in after.values())
    # a finished sweep runs nothing and changes nothing
    again = sweep_json(capsys, str(spec), "--store", str(store), "--scheduler", cluster.address)
    assert (again["ran"], again["done"]) == (0, 8)
    assert stored(store) == after


def test_compare_on_a_cluster_prints_what_it_prints_in_process(cluster, capsys):
    args = ["compare", "--channels", "bp,rbp", "--seeds", "2", "--hidden", "5", "--epochs",
            "2", "--json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--scheduler", cluster.address]) == 0
    assert json.loads(capsys.readouterr().out) == local


def test_a_worker_killed_mid_run_is_survived(cluster, tmp_path):
    """Last in this file: it leaves the shared cluster with one worker."""
    spec = tmp_path / "slow.yaml"
    spec.write_text(SLOW_SPEC)
    result: dict = {}
    with cluster.client() as client:
        workers = client.scheduler_info()["workers"]
        address = next(a for a, w in workers.items() if w["name"] == "worker-1")
        pid = client.run(os.getpid, workers=[address])[address]
        sweep = threading.Thread(target=lambda: result.update(out=run_sweep(
            load_spec(spec), str(tmp_path / "s.sqlite"),
            lambda n: open_executor(scheduler=cluster.address), progress=False)),
            daemon=True)
        sweep.start()
        deadline = time.monotonic() + 60
        while not client.processing([address]).get(address):
            assert time.monotonic() < deadline and sweep.is_alive(), "worker-1 got no run"
            time.sleep(0.005)
        lost = list(client.processing([address])[address])
        os.kill(pid, signal.SIGKILL)
        sweep.join(120)
    assert not sweep.is_alive()
    out = result["out"]
    assert (out.total, out.done, out.failed, out.ran) == (8, 8, 0, 8)
    by_task = {f"neurolocal-run-{r['key']}": r for r in out.rows}
    assert all(by_task[k]["environment"]["pid"] != pid for k in lost)  # rerun elsewhere
