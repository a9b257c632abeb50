"""A real Dask cluster for the sweep tests: `dask scheduler` and `dask worker` processes on
127.0.0.1, with bounded start-up waits, always torn down."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def environment() -> dict[str, str]:
    """This checkout first on the path of every child process."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def start_worker(scheduler_file: Path, name: str) -> subprocess.Popen:
    """A single-threaded worker without a nanny, so SIGKILL really loses it."""
    return subprocess.Popen([sys.executable, "-m", "dask", "worker", "--scheduler-file",
                             str(scheduler_file), "--host", "127.0.0.1", "--nthreads", "1",
                             "--no-nanny", "--no-dashboard", "--name", name,
                             "--death-timeout", "30"],
                            env=environment(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Cluster:
    def __init__(self, scheduler_file: Path):
        self.scheduler_file = scheduler_file
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.processes: list[subprocess.Popen] = []

    def add_worker(self, name: str) -> subprocess.Popen:
        process = start_worker(self.scheduler_file, name)
        self.processes.append(process)
        return process

    environment = staticmethod(environment)
    stop = staticmethod(stop)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=STARTUP_SECONDS, set_as_default=False)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """A scheduler and two workers, shared by the tests of this folder."""
    pytest.importorskip("distributed")
    scheduler_file = tmp_path_factory.mktemp("dask") / "scheduler.json"
    scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host",
                                  "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)],
                                 env=environment(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    cluster = None
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert scheduler.poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.1)
        cluster = Cluster(scheduler_file)
        for k in range(2):
            cluster.add_worker(f"worker-{k}")
        with cluster.client() as client:
            client.wait_for_workers(2, timeout=STARTUP_SECONDS)
        yield cluster
    finally:
        for process in (cluster.processes if cluster else []):
            process.kill()  # workers hold nothing worth a clean shutdown
            process.wait(10)
        stop(scheduler)
