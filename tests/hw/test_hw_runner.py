"""The isolated Lava runner: own session, results back, child tracebacks surfaced, timeouts, and
no process left behind on success, failure, timeout or interrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hw.errors import LavaRunError, LavaTimeoutError
from hw.runner import group_alive, group_members, run_isolated

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(autouse=True)
def targets_on_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_result_comes_back_from_a_child_in_its_own_session():
    groups = []
    out = run_isolated("hw_runner_targets:identity", {"value": [1, 2.5, "x"]}, timeout=30,
                       on_start=groups.append)
    assert out["value"] == [1, 2.5, "x"]
    assert out["pid"] != os.getpid()
    assert out["sid"] == out["pid"] == out["pgid"] == groups[0]  # leads its own session
    assert not group_alive(groups[0])


def test_child_exception_is_raised_with_its_traceback():
    with pytest.raises(LavaRunError, match="ArithmeticError: bad sum") as info:
        run_isolated("hw_runner_targets:fail", {"message": "bad sum"}, timeout=30)
    assert "def fail" not in str(info.value)  # one-line message
    assert "hw_runner_targets.py" in info.value.child_traceback
    assert "raise ArithmeticError(message)" in info.value.child_traceback


def test_child_that_dies_without_a_result_is_reported():
    with pytest.raises(LavaRunError, match="exit code 7"):
        run_isolated("hw_runner_targets:crash_hard", timeout=30)


def test_timeout_kills_the_whole_process_group(tmp_path):
    pid_file = tmp_path / "pids"
    groups = []
    start = time.monotonic()
    with pytest.raises(LavaTimeoutError, match="6 s timeout"):  # long enough to start
        run_isolated("hw_runner_targets:sleep_with_children", {"pid_file": str(pid_file)},
                     timeout=6, on_start=groups.append)
    assert time.monotonic() - start < 30
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 3
    assert not group_alive(groups[0])
    assert not any(_alive(pid) for pid in pids)


def test_interrupt_of_the_parent_leaves_no_process_behind(tmp_path):
    pid_file = tmp_path / "pids"
    script = (
        "import sys\n"
        "from hw.runner import run_isolated\n"
        "try:\n"
        "    run_isolated('hw_runner_targets:sleep_with_children', "
        f"{{'pid_file': {str(pid_file)!r}}}, timeout=60)\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(42)\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid_file.exists(), "the child never started"
    time.sleep(0.1)
    parent.send_signal(signal.SIGINT)
    assert parent.wait(timeout=30) == 42
    pids = [int(p) for p in pid_file.read_text().split()]
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


@pytest.mark.lava
def test_a_lava_run_past_its_timeout_leaves_no_actor_behind():
    from hw.profiles import LOIHI2
    from hw.spiking import convert

    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=(5, 4)), np.zeros(5)), (rng.normal(size=(3, 5)), np.zeros(3))]
    x = rng.uniform(size=(2, 4))
    network = convert(weights, ["relu", "linear"], x, LOIHI2, steps=200_000)  # hours of steps
    groups, sizes = [], [0]

    def watch() -> None:  # the largest the group got: the child plus Lava's actors
        while not groups:
            time.sleep(0.05)
        while group_alive(groups[0]):
            sizes[0] = max(sizes[0], len(group_members(groups[0])))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with pytest.raises(LavaTimeoutError):
        run_isolated("hw.lava_forward:run_forward", {"network": network, "x": x},
                     timeout=12, on_start=groups.append)
    watcher.join(timeout=10)
    assert sizes[0] >= 4, "Lava's actors never started: the test proved nothing"
    assert not group_alive(groups[0])


@pytest.mark.lava
def test_a_failing_lava_build_surfaces_the_child_error():
    from hw.profiles import LOIHI2
    from hw.spiking import convert

    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=(5, 4)), np.zeros(5)), (rng.normal(size=(3, 5)), np.zeros(3))]
    network = convert(weights, ["relu", "linear"], rng.uniform(size=(2, 4)), LOIHI2, steps=4)
    groups = []
    with pytest.raises(LavaRunError, match="inputs must have shape") as info:
        run_isolated("hw.lava_forward:run_forward", {"network": network,
                                                     "x": np.zeros((2, 7))},
                     timeout=60, on_start=groups.append)
    assert "run_forward" in info.value.child_traceback
    assert not group_alive(groups[0])


@pytest.mark.lava
def test_an_exception_inside_a_lava_actor_is_surfaced():
    """Lava itself only says "1 Exception(s) occurred"; the actor's own traceback must reach
    the caller, and no actor may survive."""
    groups = []
    with pytest.raises(LavaRunError, match="1 Exception") as info:
        run_isolated("lava_failing.procs:run_exploding", timeout=60, on_start=groups.append)
    assert "OverflowError: synthetic failure inside a Lava actor at step 3" in \
        info.value.child_traceback
    assert not group_alive(groups[0])


@pytest.mark.lava
def test_interrupting_a_real_lava_run_leaves_no_actor_behind(tmp_path):
    pgid_file = tmp_path / "pgid"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "import numpy as np\n"
        "from hw.profiles import LOIHI2\n"
        "from hw.runner import run_isolated\n"
        "from hw.spiking import convert\n"
        "rng = np.random.default_rng(0)\n"
        "w = [(rng.normal(size=(5, 4)), np.zeros(5)), (rng.normal(size=(3, 5)), np.zeros(3))]\n"
        "x = rng.uniform(size=(2, 4))\n"
        "net = convert(w, ['relu', 'linear'], x, LOIHI2, steps=200_000)\n"
        "try:\n"
        "    run_isolated('hw.lava_forward:run_forward', {'network': net, 'x': x}, timeout=300,\n"
        f"                 on_start=lambda pid: Path({str(pgid_file)!r}).write_text(str(pid)))\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(42)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not pgid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pgid_file.exists(), "the Lava child never started"
    pgid = int(pgid_file.read_text())
    while len(group_members(pgid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)  # wait for Lava's actor processes
    assert len(group_members(pgid)) >= 4  # the child and Lava's actor processes
    parent.send_signal(signal.SIGINT)
    assert parent.wait(timeout=60) == 42
    assert not group_alive(pgid)
