"""End a run cleanly on SIGINT, SIGTERM and SIGHUP.

`ending_on_signals` installs a handler that raises `neurolocal.errors.Interrupted` in the main
thread, so ``finally`` blocks and context managers (temporary directories, process-group kills
in `hw.runner`) run. A Python handler runs only when the main thread returns to the interpreter,
which a blocking C call (Brian2 compiles with ``os.system("make")``) delays until the child ends;
so the signal also reaches a watcher thread through `signal.set_wakeup_fd`, which at once kills
every descendant process of this one (and the process groups those lead) with SIGKILL. The blocking
call then returns and the handler's exception unwinds the run. The CLI prints one line and exits
with 128 + the signal number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_active = False


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def descendants(pid: int | None = None) -> list[int]:
    """Pids of every live descendant of process `pid` (default: this one), from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_descendants() -> None:
    """SIGKILL every descendant, and the whole process group of each that leads one (a
    child started with ``start_new_session``, whose forked workers may be re-parented)."""
    own_group = os.getpgrp()
    for pid in descendants():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid and pid != own_group:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)


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
    try:
        yield
    finally:
        _active = False
        signal.set_wakeup_fd(previous_fd)
        for s, handler in previous.items():
            signal.signal(s, handler)
        os.close(write_fd)  # the watcher reads EOF and ends
        watcher.join(timeout=1.0)
        os.close(read_fd)
