"""`neurolocal sweep` and `neurolocal report` in process: bad input is one line, exit 2 and
nothing written; failed runs are kept and retried only on request; the report's numbers are
the runs' numbers."""

from __future__ import annotations

import json
import multiprocessing
import re
import socket

import numpy as np
import pytest

from neurolocal.cli import main
from neurolocal.sweep.store import SCHEMA_VERSION, Store

TINY = "channels: [bp, rbp]\nseeds: 3\nhidden: [5]\nepochs: 2\n"
T_975_2 = 4.302652729911275  # Student t quantile, 97.5 %, 2 degrees of freedom (tables)


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("text, extra, message", [
    ("channels: [bp]\nepoch: 2\n", [], "unknown key epoch"),
    ("channels: [bp]\nlr: []\n", [], "lr: empty list"),
    (TINY, ["--scheduler", f"tcp://127.0.0.1:{closed_port()}", "--connect-timeout", "1"],
     "cannot reach a Dask scheduler"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, text, extra,
                                                          message):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    code, out, err = run_cli(capsys, "sweep", str(spec), "--store",
                             str(tmp_path / "s.sqlite"), *extra)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_a_store_from_a_newer_version_is_refused(tmp_path, capsys):
    spec, store = tmp_path / "spec.yaml", tmp_path / "s.sqlite"
    spec.write_text(TINY)
    Store(store).close()
    Store(store).db.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'",
                            (str(SCHEMA_VERSION + 1),))
    before = store.read_bytes()
    for args in (["sweep", str(spec), "--store", str(store), "--in-process"],
                 ["report", str(store), "--out", str(tmp_path / "r")]):
        code, _, err = run_cli(capsys, *args)
        assert code == 2 and "newer neurolocal" in err and err.count("\n") == 1
    assert store.read_bytes() == before and not (tmp_path / "r").exists()


def test_sweep_json_then_rerun_then_report(tmp_path, capsys):
    spec, store = tmp_path / "spec.yaml", tmp_path / "s.sqlite"
    spec.write_text(TINY)
    code, out, err = run_cli(capsys, "sweep", str(spec), "--store", str(store), "--in-process",
                             "--json")
    first = json.loads(out)
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    assert {k: first[k] for k in ("total", "done", "ran", "failed")} == \
        {"total": 6, "done": 6, "ran": 6, "failed": 0}
    for result in first["results"]:
        assert {"channel", "seed", "test_accuracy", "config"} <= set(result)
        assert result["config"]["hidden"] == [5] and result["config"]["epochs"] == 2
        assert result["environment"]["version"] and result["environment"]["platform"]
        assert len(result["final"]) and result["timings"]["seconds"] > 0
    code, out, _ = run_cli(capsys, "sweep", str(spec), "--store", str(store), "--in-process",
                           "--json")
    again = json.loads(out)
    assert (again["ran"], again["done"]) == (0, 6)
    assert again["results"] == first["results"]

    code, out, _ = run_cli(capsys, "report", str(store), "--out", str(tmp_path / "r"),
                           "--json")
    paths = json.loads(out)
    assert code == 0
    for key in ("markdown", "html", "curves", "final", "angles"):
        assert (tmp_path / "r" / paths[key].rsplit("/", 1)[-1]).stat().st_size > 0
    assert "size" not in paths  # the hidden sizes did not vary
    markdown = (tmp_path / "r" / "report.md").read_text()
    for channel in ("bp", "rbp"):
        values = [r["test_accuracy"] for r in first["results"] if r["channel"] == channel]
        half = T_975_2 * np.std(values, ddof=1) / np.sqrt(3)
        assert f"| {channel} | 3 | {np.mean(values):.3f} | ± {half:.3f} |" in markdown
    assert "<table>" in (tmp_path / "r" / "report.html").read_text()


def test_failed_runs_are_recorded_and_retried_only_on_request(tmp_path, capsys):
    spec, store = tmp_path / "spec.yaml", tmp_path / "s.sqlite"
    spec.write_text("channels: [bp]\nhidden: [4]\nepochs: 1\n"
                    "backend: [numpy, {name: numpy, spiking: true}]\n")
    args = ["sweep", str(spec), "--store", str(store), "--in-process", "--json"]
    code, out, _ = run_cli(capsys, *args)
    first = json.loads(out)
    assert code == 1 and (first["done"], first["failed"]) == (1, 1)
    failed = next(r for r in first["results"] if r["status"] == "failed")
    assert failed["config"]["spiking"] and failed["error"].startswith("UnsupportedError")
    code, out, _ = run_cli(capsys, *args)
    assert code == 1 and json.loads(out)["ran"] == 0
    code, out, _ = run_cli(capsys, *args, "--retry-failed")
    retried = json.loads(out)
    assert retried["ran"] == 1 and retried["failed"] == 1
    assert next(r for r in retried["results"] if r["status"] == "failed")["attempts"] == 2
    code, _, _ = run_cli(capsys, "report", str(store), "--out", str(tmp_path / "r"))
    assert code == 0 and "Failed runs" in (tmp_path / "r" / "report.md").read_text()


def test_report_of_a_missing_store_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(capsys, "report", str(tmp_path / "none.sqlite"), "--out",
                           str(tmp_path / "r"))
    assert code == 2 and "no such store" in err and not (tmp_path / "r").exists()


@pytest.mark.slow
def test_the_default_local_cluster_runs_and_is_torn_down(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("channels: [bp]\nseeds: 2\nhidden: [4]\nepochs: 1\n")
    code, out, _ = run_cli(capsys, "sweep", str(spec), "--store", str(tmp_path / "s.sqlite"),
                           "--workers", "1", "--json")
    assert code == 0 and json.loads(out)["done"] == 2
    assert multiprocessing.active_children() == []


def test_a_deployment_records_the_on_target_accuracy_hw_deploy_measures(tmp_path, capsys):
    hw = pytest.importorskip("hw")
    from neurolocal.data import load_digits
    from neurolocal.experiment import Setup, train_channel

    spec, store = tmp_path / "spec.yaml", tmp_path / "s.sqlite"
    spec.write_text("channels: [bp]\nhidden: [6]\nepochs: 2\n"
                    "deploy: {target: loihi2, num_test: 60, steps: 16}\n")
    code, out, _ = run_cli(capsys, "sweep", str(spec), "--store", str(store), "--in-process",
                           "--json")
    deployed = json.loads(out)["results"][0]["final"]["deploy"]
    assert code == 0 and deployed["num_test"] == 60 and deployed["sim"] == "emulator"
    run_ = train_channel(load_digits(seed=0), "bp", Setup(hidden=(6,), epochs=2), seed=0)
    direct = hw.deploy(run_.simulator.network, run_.simulator.weights(), load_digits(seed=0),
                       "loihi2", num_test=60, steps=16)
    assert (deployed["target_accuracy"], deployed["float_accuracy"], deployed["agreement"]) \
        == (direct.target_accuracy, direct.float_accuracy, direct.agreement)
    assert run_cli(capsys, "report", str(store), "--out", str(tmp_path / "r"))[0] == 0
    assert "On-target accuracy" in (tmp_path / "r" / "report.md").read_text()


@pytest.mark.parametrize("deploy, message", [("{target: loihi9}", "deploy: "),
                                             ("{target: loihi2, speed: 3}", "deploy: a mapping")])
def test_a_bad_deployment_is_refused_before_anything_runs(tmp_path, capsys, deploy, message):
    pytest.importorskip("hw")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"channels: [bp]\ndeploy: {deploy}\n")
    code, _, err = run_cli(capsys, "sweep", str(spec), "--store", str(tmp_path / "s.sqlite"),
                           "--in-process")
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "s.sqlite").exists()


def test_a_terminal_gets_a_progress_bar_with_runs_done_total_and_eta(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios
    from pathlib import Path

    spec = tmp_path / "spec.yaml"
    spec.write_text("name: bar\nchannels: [bp]\nseeds: 3\nhidden: [4]\nepochs: 1\n")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    root = str(Path(__file__).resolve().parents[2])
    process = subprocess.Popen([sys.executable, "-m", "neurolocal", "sweep", str(spec),
                                "--store", str(tmp_path / "s.sqlite"), "--in-process"],
                               stderr=follower, stdout=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": root})
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(60) == 0
    lines = shown.decode().replace("\r", "\n")
    assert "bar: 100%" in lines and ("run/s" in lines or "s/run" in lines)
    assert re.search(r"1/3 \[\d\d:\d\d<\d\d:\d\d", lines)  # elapsed < ETA after a run
