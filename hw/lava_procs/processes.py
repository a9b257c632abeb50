"""Programmable (Loihi 2 style) neurons for three-factor learning with graded spikes, in the
integers of `hw.fixed_point` (no floating point at run time, as on a chip).

- `GradedReluNeurons`: a hidden layer. Each step: S = a_in + bias; sends the payload
  p = 2·clip(S >> act_shift, 0, 127) (1 instead of 0, so x1 is overwritten every step);
  writes y1 = round(p/2) (its own activity) and y2 = B = clip(f'·third factor, −128, 127) with
  f' = 1 where 0 < S and the payload is below its ceiling (the unit as computed), else 0,
  and sends B on `e_out` for a chained backward pathway to relay further down.
- `ErrorNeurons`: the output layer's error neurons. S = a_in + bias, O = table(S) (an integer
  table of E·f(S/U), `hw.fixed_point.OutputTable`), e = clip(T − O, −128, 127) with T = E·target
  from `t_in`; y1 = O, y2 = e, y3 = T (traces clipped to ±128); e on `s_out`, S on `o_out`.
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
    OutputTable,
    hidden_error,
    hidden_payload,
    output_error,
    trace,
    trace_of,
)
from neurolocal.network import get_transfer


class GradedReluNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, act_shift: int,
                 **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, act_shift=act_shift,
                         **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.e_out = OutPort(shape=shape)
        self.bias = Var(shape=shape, init=bias)


class ErrorNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, table: OutputTable,
                 **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, table=table, **kwargs)
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


def _send_learning(model, y1: np.ndarray, y2: np.ndarray, y3: np.ndarray) -> None:
    model.s_out_bap.send(np.zeros(y2.shape, dtype=bool))
    model.s_out_y1.send(y1.astype(np.int32))
    model.s_out_y2.send(y2.astype(np.int32))
    model.s_out_y3.send(y3.astype(np.int32))


@implements(proc=GradedReluNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedReluFixed(LearningNeuronModelFixed):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        s = self.a_in.recv().astype(np.int64) + self.bias
        error = hidden_error(s, self.a_third_factor_in.recv().astype(np.int64),
                             self.proc_params["act_shift"])
        payload = hidden_payload(s, self.proc_params["act_shift"])
        self.s_out.send(payload.astype(np.int32))
        self.e_out.send(error.astype(np.int32))
        _send_learning(self, trace_of(payload), error, np.zeros_like(error))


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
        self.s_out.send(error.astype(np.int32))
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
