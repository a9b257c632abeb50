"""Run a Lava simulation in its own process session, with a timeout, leaving no process behind.

Lava forks one OS process per Lava Process; a failure inside one may hang `run()` or `stop()`
forever (HARDWARE_NOTES.md, "Hangs" and "Orphans"). `run_isolated` therefore executes a function
``module:function(**kwargs)`` in a fresh Python interpreter started with
``start_new_session=True``; the result (or the child's traceback) comes back through a pickle
file. On success, failure, timeout, Ctrl-C or any signal the CLI handles (SIGTERM, SIGHUP:
`neurolocal.cli.signals` turns them into an exception) the whole process group is killed with
`os.killpg`, so the actor processes of the child die with it; the child's TMPDIR lies inside
the run's temporary folder, removed with it.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neurolocal.processes import live_processes

from .errors import LavaRunError, LavaTimeoutError

#: Default timeout of one isolated run, in seconds.
DEFAULT_TIMEOUT = 300.0


def run_isolated(target: str, kwargs: dict[str, Any] | None = None,
                 timeout: float = DEFAULT_TIMEOUT,
                 on_start: Callable[[int], None] | None = None) -> Any:
    """Call ``target`` ("package.module:function") with `kwargs` in an isolated child process
    and return its result. Raises `LavaTimeoutError` after `timeout` seconds and `LavaRunError`
    (with the child's traceback) when the function raises or the child dies. `on_start` is
    called with the child's pid, which is also its process-group id."""
    if ":" not in target:
        raise ValueError(f"target must be 'module:function', not {target!r}")  # a bug
    with tempfile.TemporaryDirectory(prefix="neurolocal-lava-") as folder:
        request, reply, log = (Path(folder) / n for n in ("request.pkl", "reply.pkl", "log.txt"))
        request.write_bytes(pickle.dumps((target, kwargs or {})))
        scratch = Path(folder) / "t"  # the child's temporary files (multiprocessing's
        scratch.mkdir()               # pymp-*), removed with the folder even after SIGKILL
        with open(log, "wb") as log_file:
            child = subprocess.Popen(
                [sys.executable, "-m", "hw._child", str(request), str(reply)],
                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=_project_root(), env=_child_env(scratch))
            try:
                if on_start is not None:
                    on_start(child.pid)
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_group(child)
                raise LavaTimeoutError(f"Lava run {target} exceeded its {timeout:g} s timeout; "
                                       "its process group was killed", _tail(log)) from None
            except BaseException:  # KeyboardInterrupt, SystemExit: leave nothing behind
                kill_group(child)
                raise
            finally:
                kill_group(child)
        if not reply.exists():
            raise LavaRunError(f"Lava run {target} died with exit code {child.returncode} "
                               "before returning a result", _tail(log))
        status, value = pickle.loads(reply.read_bytes())
        output = _tail(log)
    if status == "error":
        message, trace = value
        if output:  # Lava logs the failing actor's own traceback (at INFO) to the child output
            trace += "\n--- child output (last lines) ---\n" + output
        raise LavaRunError(f"Lava run {target} failed in its child process: {message}", trace)
    return value


def kill_group(child: subprocess.Popen) -> None:
    """Kill the child's whole process group (it leads its own session) and reap the child."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass
    # wait until the kernel has removed the group's members (forked actors are re-parented)
    deadline = time.monotonic() + 5.0
    while group_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def group_members(pgid: int) -> list[int]:
    """Pids of the live (non-zombie) processes of process group `pgid` (Linux /proc)."""
    return [pid for pid, _, group in live_processes() if group == pgid]


def group_alive(pgid: int) -> bool:
    """Whether any process of process group `pgid` still exists (zombies excluded)."""
    if Path("/proc").exists():
        return bool(group_members(pgid))
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _project_root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _child_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ, TMPDIR=str(scratch))
    root = _project_root()
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env
