"""End a run cleanly on SIGINT, SIGTERM and SIGHUP.

`ending_on_signals` installs a handler that ends every descendant process (SIGTERM, then
SIGKILL; see `kill_descendants`) and raises `neurolocal.errors.Interrupted` in the main thread,
so ``finally`` blocks and context managers (temporary directories, process-group kills in
`hw.runner`) run. A Python handler runs only when the main thread returns to the interpreter,
which a blocking call delays until it returns; so the signal also reaches a watcher thread
through `signal.set_wakeup_fd`, which ends the descendants at once, and the blocking call
returns. C's ``system()`` ignores SIGINT while its command runs (Brian2 compiles with
``os.system("make")``), so within the block `os.system` is replaced by `system`, which keeps
every signal deliverable. `private_tempdir` gives the run one temporary directory (for its
children too) removed at exit whatever was interrupted. The CLI prints one line and exits
with 128 + the signal number.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

from ..errors import Interrupted
from ..processes import live_processes

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_RUN_TMPDIR = "NEUROLOCAL_RUN_TMPDIR"  # the private temporary directory of the current run

_active = False


def _raise(signum: int, frame: object) -> None:
    kill_descendants()  # the watcher may not have run yet
    raise Interrupted(signum)


def descendants(pid: int | None = None) -> list[int]:
    """Pids of every live descendant of process `pid` (default: this one), from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for child, parent, _ in live_processes():
        children.setdefault(parent, []).append(child)
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_descendants(grace: float = 1.0) -> None:
    """End every descendant, and the whole process group of each that leads one (a child
    started with ``start_new_session``, whose forked workers may be re-parented): SIGTERM first,
    so a compiler removes its temporary files, then SIGKILL after `grace` seconds."""
    own_group = os.getpgrp()
    targets = descendants()

    def send(signum: int) -> None:
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getpgid(pid) == pid and pid != own_group:
                    os.killpg(pid, signum)
                else:
                    os.kill(pid, signum)

    send(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and set(targets) & set(descendants()):
        time.sleep(0.02)
    send(signal.SIGKILL)


def _watch(read_fd: int) -> None:
    while True:
        try:
            data = os.read(read_fd, 64)
        except OSError:
            return
        if not data:
            return
        if any(byte in {int(s) for s in SIGNALS} for byte in data):
            kill_descendants()


def system(command: str) -> int:
    """`os.system` through `subprocess`, without ignoring SIGINT in the caller; returns the
    wait status as `os.system` does (exit code << 8, or the signal number)."""
    process = subprocess.Popen(command, shell=True)
    try:
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    return -code if code < 0 else code << 8


@contextlib.contextmanager
def ending_on_signals() -> Iterator[None]:
    """Within the block, SIGINT/SIGTERM/SIGHUP kill the descendants and raise `Interrupted`.
    Nested use (the demo runs subcommands) and use outside the main thread do nothing."""
    global _active
    if _active or threading.current_thread() is not threading.main_thread():
        yield
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_fd,), daemon=True,
                               name="neurolocal-signals")
    watcher.start()
    _active = True
    os_system, os.system = os.system, system
    try:
        yield
    finally:
        os.system = os_system
        _active = False
        signal.set_wakeup_fd(previous_fd)
        for s, handler in previous.items():
            signal.signal(s, handler)
        os.close(write_fd)  # the watcher reads EOF and ends
        watcher.join(timeout=1.0)
        os.close(read_fd)


@contextlib.contextmanager
def private_tempdir() -> Iterator[None]:
    """Within the block, every temporary file of the run (this process's and, through TMPDIR,
    its children's: Lava's, compilers', multiprocessing's, Brian2's log) goes to one private
    directory, removed when the process exits (after Brian2's own exit handler has closed its
    log) with the signals blocked. A signal can land inside some library's own clean-up and
    cut it short; this final removal does not depend on it. Nested use does nothing."""
    if os.environ.get(_RUN_TMPDIR) == tempfile.gettempdir():
        yield
        return
    folder = tempfile.mkdtemp(prefix="nl-")
    atexit.register(_remove, folder)  # registered first, so it runs after later handlers
    saved = {name: os.environ.get(name) for name in ("TMPDIR", _RUN_TMPDIR)}
    saved_default = tempfile.tempdir
    os.environ["TMPDIR"] = os.environ[_RUN_TMPDIR] = tempfile.tempdir = folder
    try:
        yield
    finally:
        tempfile.tempdir = saved_default
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _remove(folder: str) -> None:
    main = threading.current_thread() is threading.main_thread()
    if main:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        if main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
