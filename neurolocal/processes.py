"""The live processes of this machine as (pid, parent pid, process group), read from Linux's
/proc: what the signal handling of the CLI (`cli.signals`) and hw's isolated runner need to
find the processes a run started."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def live_processes() -> Iterator[tuple[int, int, int]]:
    """(pid, ppid, pgid) of every process that is not a zombie."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile, or unreadable
        if fields[0] != "Z":
            yield int(entry.name), int(fields[1]), int(fields[2])
