"""`cpp_standalone`: one C++ program per model, compiled once, rerun with new data.

The model's objects are created under Brian2's standalone device, one `run()` of `length`
samples is recorded and compiled into a directory keyed by the generated code (a new process
with the same model recompiles nothing). Every later call reruns the binary with
``run_args``: the stream's `TimedArray` values and the current weights, biases and batch
accumulators, so data and weights change without code generation. Streams shorter than
`length` are padded with inert samples (learn gate 0); longer ones run in chunks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from .stream import SampleStream

#: Where compiled standalone programs live (override with NEUROLOCAL_BRIAN2_CACHE).
CACHE = Path(os.environ.get("NEUROLOCAL_BRIAN2_CACHE",
                            Path.home() / ".cache" / "neurolocal" / "brian2"))


#: Brian2's standalone device is process-wide: the one program it currently holds.
_ACTIVE: dict[str, Any] = {"program": None}


def activate_standalone() -> None:
    """Make cpp_standalone the device for objects created from now on (no build on run).
    Brian2's device is process-wide: a previous standalone model is released."""
    import brian2 as b2
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    if isinstance(b2.get_device(), CPPStandaloneDevice):
        release_standalone()
    # Brian2's default is `make -j` with no limit: a model with many code objects then starts
    # hundreds of compilers at once and can exhaust the machine's memory
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    b2.set_device("cpp_standalone", build_on_run=False)


def release_standalone() -> None:
    """Forget the standalone device's state and return to the runtime device."""
    import brian2 as b2

    _ACTIVE["program"] = None
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("runtime")


class StandaloneProgram:
    """The compiled program of a model (`RateModel` or `SpikingModel`) whose objects were
    created under the standalone device; `run` has the signature of the model's `run`."""

    def __init__(self, model: Any):
        self.model = model
        self.length: int | None = None  # samples per program run, fixed at the first call
        self.arrays: dict[str, Any] = {}  # the TimedArrays compiled into the program
        self.values: dict[tuple[str, str], np.ndarray] = {}  # plastic state between runs
        self.directory: Path | None = None
        _ACTIVE["program"] = self

    def is_live(self) -> bool:
        return _ACTIVE["program"] is self

    def resume(self, older: StandaloneProgram) -> None:
        """Take over the state of `older` (the same model, released): rebuild its program
        (same code: the compiled binary is reused) and continue from its learned values."""
        self.values = older.snapshot()
        if older.length is not None:
            n_in, n_out = self.model.network.input.size, self.model.network.output.size
            self._build(SampleStream.build(np.zeros((older.length, n_in)), None, n_out,
                                           False, length=older.length))

    def snapshot(self) -> dict[tuple[str, str], np.ndarray]:
        """The plastic state the next run starts from (empty before the first run)."""
        return {key: value.copy() for key, value in self.values.items()}

    def restore(self, state: dict[tuple[str, str], np.ndarray]) -> None:
        self.values = {key: value.copy() for key, value in state.items()}

    def _build(self, stream: SampleStream) -> None:
        import brian2 as b2

        model = self.model
        self.length = stream.samples
        namespace = model.run_namespace(stream)
        self.arrays = {name: namespace[name] for name in model.stream_names}
        model.runs += 1
        model.before_run()
        model.brian2_network.run(model.slots(self.length) * model.sample_dt,
                                 namespace=namespace)
        key = hashlib.sha1((model.equations() + repr(sorted(model.namespace.items()))
                            + str(self.length) + repr(model.network.sizes)).encode())
        self.directory = CACHE / key.hexdigest()[:16]
        b2.device.build(directory=str(self.directory), compile=True, run=False,
                        with_output=False)

    def run(self, x: np.ndarray, t: np.ndarray | None = None, learn: bool = False,
            batch_size: int = 1) -> np.ndarray:
        """Rerun the program over x, `length` samples at a time; outputs (N, n_out)."""
        outputs = []
        step = self.length or len(x)
        for first in range(0, len(x), step):
            rows = slice(first, first + step)
            outputs.append(self._run_chunk(x[rows], None if t is None else t[rows], learn,
                                           batch_size))
        return np.concatenate(outputs)

    def _run_chunk(self, x, t, learn: bool, batch_size: int) -> np.ndarray:
        import brian2 as b2

        model = self.model
        n_out = model.network.output.size
        if self.length is None:  # a whole number of slots (B samples side by side)
            length = model.slots(len(x)) * model.copies.count
            self._build(SampleStream.build(x, t, n_out, learn, batch_size, length=length))
        stream = SampleStream.build(x, t, n_out, learn, batch_size, length=self.length)
        run_args = {self.arrays[name]: values
                    for name, values in model.stream_arrays(stream).items()
                    if name in self.arrays}
        for obj, name in self.model.plastic_variables():
            if (obj.name, name) in self.values:
                run_args[getattr(obj, name)] = self.values[(obj.name, name)]
        b2.device.run(directory=str(self.directory), with_output=False, run_args=run_args)
        for obj, name in self.model.plastic_variables():
            self.values[(obj.name, name)] = np.asarray(getattr(obj, name)[:]).copy()
        for obj, name, accumulator in model.pending():  # the last slot's batch
            self.values[(obj.name, name)] += self.values[(obj.name, accumulator)]
            self.values[(obj.name, accumulator)][:] = 0.0
        return model.outputs(self.length, 0)[:stream.samples]
