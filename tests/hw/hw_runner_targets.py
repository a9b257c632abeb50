"""Functions that `hw.runner.run_isolated` executes in tests (imported by the child process
from tests/hw on its PYTHONPATH). Not a test module."""

from __future__ import annotations

import os
import time
from pathlib import Path


def identity(value):
    """Returns its argument and where it ran."""
    return {"value": value, "pid": os.getpid(), "sid": os.getsid(0), "pgid": os.getpgid(0)}


def fail(message: str):
    raise ArithmeticError(message)


def sleep_with_children(pid_file: str, seconds: float = 60.0, children: int = 2):
    """Fork `children` sleeping grandchildren (like Lava's actors), record all pids, sleep."""
    pids = [os.getpid()]
    for _ in range(children):
        pid = os.fork()
        if pid == 0:  # grandchild
            time.sleep(seconds)
            os._exit(0)
        pids.append(pid)
    Path(pid_file).write_text(" ".join(map(str, pids)))
    time.sleep(seconds)


def crash_hard():
    """Die without writing a result (as a segfaulting Lava actor would)."""
    os._exit(7)
