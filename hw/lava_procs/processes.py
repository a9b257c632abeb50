"""Programmable (Loihi 2 style) neurons for three-factor learning with graded spikes, in the
integers of `hw.fixed_point` (no floating point at run time, as on a chip).

- `GradedLearningNeurons`: a hidden layer. Each step: S = a_in + bias; x and f'(S) from its
  `hw.fixed_point.HiddenUnit` (relu/linear by a shift, logistic/tanh/clip by `hw.activation`'s
  tables); sends the forward payload p = 2·x, or on the epoch's last step (its step counter:
  `hw.fixed_point.is_trace_step`) the trace payload 2·(x + offset); writes y1 = x (its own
  activity) and y2 = B = f'(S)·third factor (8 bits), and sends B on `e_out` for a chained
  backward pathway to relay further down.
- `ErrorNeurons`: the output layer's error neurons. S = a_in + bias, O = table(S) (an integer
  table of E·f(S/U), `hw.fixed_point.OutputTable`), e = clip(T − O, −128, 127) with T = E·target
  from `t_in`; y1 = O, y2 = e, y3 = T (traces clipped to ±128); e on `s_out` (on the trace
  step 2·(clip(e, ±63) + 64), the x1 of learned backward synapses; so is `e_out` of hidden
  neurons), S on `o_out`.
- `GradedRelay`: a Distinct/Twin channel's own error neurons: forward the graded input.
- `GradedActivation`: inference neurons of `hw.graded`. Each step: Σ = a_in + bias (24-bit,
  saturating), sends the graded spike A = F[k(Σ)] of its activation table (`hw.activation`);
  float: A = f(a_in + bias).
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.neuron import LearningNeuronModelFixed
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.neuron import LearningNeuronProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from hw.fixed_point import (
    HiddenUnit,
    OutputTable,
    error_trace_payload,
    forward_payload,
    hidden_error,
    is_trace_step,
    output_error,
    trace,
    trace_payload,
)
from neurolocal.network import get_transfer


class GradedLearningNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, unit: HiddenUnit,
                 steps: int, **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, unit=unit, steps=steps,
                         **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.e_out = OutPort(shape=shape)
        self.bias = Var(shape=shape, init=bias)


class ErrorNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, table: OutputTable,
                 steps: int, **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, table=table, steps=steps,
                         **kwargs)
        self.a_in = InPort(shape=shape)
        self.t_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.o_out = OutPort(shape=shape)
        self.bias = Var(shape=shape, init=bias)


class GradedRelay(AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], **kwargs) -> None:
        super().__init__(shape=shape, **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)


class GradedActivation(AbstractProcess):
    """`table`: an `hw.activation.ActivationTable` (fixed point); `transfer`: its name (float)."""

    def __init__(self, *, shape: tuple[int, ...], bias, table, **kwargs) -> None:
        super().__init__(shape=shape, table=table, **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.bias = Var(shape=shape, init=bias)


def _error_payload(model, error: np.ndarray) -> np.ndarray:
    """An error output: the error itself, or on the trace step 2·(clip(e, ±63) + 64), the x1 of
    a learned backward synapse (fixed backward synapses see it one step later, in the next
    sample's epoch, which settles before its end)."""
    if is_trace_step(model.time_step, model.proc_params["steps"]):
        return error_trace_payload(error)
    return error


def _send_learning(model, y1: np.ndarray, y2: np.ndarray, y3: np.ndarray) -> None:
    model.s_out_bap.send(np.zeros(y2.shape, dtype=bool))
    model.s_out_y1.send(y1.astype(np.int32))
    model.s_out_y2.send(y2.astype(np.int32))
    model.s_out_y3.send(y3.astype(np.int32))


@implements(proc=GradedLearningNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedLearningFixed(LearningNeuronModelFixed):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        unit = self.proc_params["unit"]
        s = self.a_in.recv().astype(np.int64) + self.bias
        error = hidden_error(s, self.a_third_factor_in.recv().astype(np.int64), unit)
        x = unit.activity(s)
        payload = trace_payload(x, unit.offset) if is_trace_step(
            self.time_step, self.proc_params["steps"]) else forward_payload(x)
        self.s_out.send(payload.astype(np.int32))
        self.e_out.send(_error_payload(self, error).astype(np.int32))
        _send_learning(self, x, error, np.zeros_like(error))


@implements(proc=ErrorNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyErrorNeuronsFixed(LearningNeuronModelFixed):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    t_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    o_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        s = self.a_in.recv().astype(np.int64) + self.bias
        target = self.t_in.recv().astype(np.int64)  # E·T, integers
        table = self.proc_params["table"]
        error = output_error(table, s, target)
        self.s_out.send(_error_payload(self, error).astype(np.int32))
        self.o_out.send(s.astype(np.int32))
        _send_learning(self, trace(table(s)), error, trace(target))


@implements(proc=GradedRelay, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedRelayFixed(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def run_spk(self) -> None:
        self.s_out.send(self.a_in.recv())


@implements(proc=GradedActivation, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyGradedActivationFloat(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self) -> None:
        transfer = get_transfer(self.proc_params["table"].transfer)
        self.s_out.send(transfer(self.a_in.recv() + self.bias))


@implements(proc=GradedActivation, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedActivationFixed(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def run_spk(self) -> None:
        table = self.proc_params["table"]
        sigma = np.clip(self.a_in.recv().astype(np.int64) + self.bias, -2 ** 23 + 1, 2 ** 23 - 1)
        k = np.clip(sigma >> table.shift, table.low, table.high)  # arithmetic shift: floor
        self.s_out.send(table.values[k - table.low].astype(np.int32))
