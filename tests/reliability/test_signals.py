"""Every run ends cleanly on SIGINT, SIGTERM and SIGHUP: exit 128 + signal with one line, no
process of the run left alive, no temporary file left (issue 13, item 1).

The run's processes are found independently of the code under test (``ps``), polled while it
runs; temporary files go to a private TMPDIR that must be empty afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def _table() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, pgid) of every live process, from ps."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,pgid=,stat="], capture_output=True,
                         text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        pid, ppid, pgid, stat = line.split()[:4]
        if not stat.startswith("Z"):
            rows[int(pid)] = (int(ppid), int(pgid))
    return rows


def _tree(root: int) -> set[int]:
    table = _table()
    found, frontier = set(), {root}
    while frontier:
        frontier = {p for p, (ppid, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


def _run_and_signal(argv: list[str], signum: int, ready, tmp: Path,
                    env: dict[str, str] | None = None, timeout: float = 120.0):
    """Start `argv`, wait until `ready(descendant pids)` holds, send `signum` to the process,
    and return (exit status, stderr, every pid and process group seen under it)."""
    # a short private TMPDIR: multiprocessing's socket paths under it must stay < 108 bytes
    tmpdir = Path(tempfile.mkdtemp(prefix="nls-", dir="/tmp"))
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir), **(env or {})}
    process = subprocess.Popen(argv, cwd=tmp, env=full_env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        while True:
            assert process.poll() is None, f"ended before the signal: {process.stderr.read()}"
            assert time.monotonic() < deadline, "the run never became ready"
            seen |= _tree(process.pid)
            if ready(seen):
                break
            time.sleep(0.1)
        seen |= _tree(process.pid)
        table = _table()
        groups = {table[p][1] for p in seen if p in table}
        os.kill(process.pid, signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # the test failed: leave nothing behind ourselves
            os.killpg(process.pid, signal.SIGKILL)
    time.sleep(0.2)
    alive = {p for p, (_, pgid) in _table().items() if p in seen or pgid in groups}
    leftovers = sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*"))
    shutil.rmtree(tmpdir)
    return process.returncode, err, alive, leftovers


def _check(signum, code, err, alive, leftovers):
    name = signal.Signals(signum).name
    assert code == 128 + signum
    assert err.strip().splitlines()[-1].endswith(f"interrupted by {name}")
    assert "Traceback" not in err
    assert not alive, f"processes left after {name}: {alive}"
    assert not leftovers, f"temporary files left after {name}: {leftovers}"


STAND_IN = """
import argparse, os, subprocess, sys, tempfile
from neurolocal.cli import run_command

def build(args):
    # what Brian2's cpp_standalone device does: `make` through os.system (a blocking C call
    # whose children share our process group), then the program through subprocess.call
    with tempfile.TemporaryDirectory(prefix="neurolocal-standin-") as folder:
        open(os.path.join(folder, "main.cpp"), "w").write("int main() {}")
        if sys.argv[1] == "make":
            os.system("sleep 120 & sleep 120")
        subprocess.call(["sleep", "120"])

sys.exit(run_command("neurolocal stand-in", build, argparse.Namespace()))
"""


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_brian2_like_build_ends_cleanly(tmp_path, signum):
    """A signal during an `os.system("make")` that Python cannot interrupt by itself."""
    result = _run_and_signal([sys.executable, "-c", STAND_IN, "make"], signum,
                             lambda seen: len(seen) >= 3, tmp_path)  # sh + two sleeps
    _check(signum, *result)


def test_brian2_like_program_run_ends_cleanly(tmp_path):
    result = _run_and_signal([sys.executable, "-c", STAND_IN, "run"], signal.SIGTERM,
                             lambda seen: len(seen) >= 1, tmp_path)
    _check(signal.SIGTERM, *result)


def _model(tmp_path: Path) -> Path:
    from neurolocal import channel_network, get_channel, save_model

    network = channel_network([64, 10, 10], get_channel("srbp"))
    weights = network.init_weights(np.random.default_rng(0), np.float32)
    return save_model(tmp_path / "model.npz", network, weights)


@pytest.mark.slow
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_lava_run_ends_cleanly(tmp_path, signum):
    """A real Lava run (a child session whose forked actor processes are re-parented when it
    dies): the signal arrives once the actors run."""
    pytest.importorskip("lava")
    model = _model(tmp_path)
    argv = [sys.executable, "-m", "neurolocal", "deploy", str(model), "--sim", "lava",
            "--num-test", "400", "--steps", "64", "--quiet"]
    result = _run_and_signal(argv, signum, lambda seen: len(seen) >= 3, tmp_path)
    _check(signum, *result)


BRIAN2_STANDALONE = """
import sys
import numpy as np
from neurolocal import channel_network, get_backend, get_channel
from neurolocal.cli import run_command

def train(args):
    network = channel_network([3, 2], get_channel("bp"))
    simulator = get_backend("brian2").build(network, seed=0, target="cpp_standalone")
    x = np.random.default_rng(0).random((4, 3))
    simulator.train(x, np.eye(2)[[0, 1, 0, 1]], epochs=1)

sys.exit(run_command("neurolocal standalone", train, None))
"""


@pytest.mark.slow
def test_real_brian2_standalone_compile_ends_cleanly(tmp_path):
    """The one real cpp_standalone build: SIGTERM while `make` compiles (a fresh cache, so it
    does compile)."""
    pytest.importorskip("brian2")
    table_names = {}

    def compiling(seen):
        for pid in seen:
            try:
                table_names[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                continue
        return any(name in ("make", "cc1plus", "g++", "c++") for name in table_names.values())

    result = _run_and_signal([sys.executable, "-c", BRIAN2_STANDALONE], signal.SIGTERM,
                             compiling, tmp_path,
                             env={"NEUROLOCAL_BRIAN2_CACHE": str(tmp_path / "cache")})
    _check(signal.SIGTERM, *result)
