"""Programmable (Loihi 2 style) neurons for three-factor learning with graded spikes.

- `GradedReluNeurons`: a hidden layer. Each step: S = a_in + bias, sends the graded activity
  payload p = 2·clip(S >> act_shift, 0, 127) (1 instead of 0, so that the learning engine's
  presynaptic trace x1 = round(p/2) is overwritten every step), and writes its third factor
  y2 = clip(f'(S)·a_third_factor_in, −128, 127) (f' of relu: S > 0). Float: p = max(relu(S)/λ, ε),
  y2 = f'(S)·third factor.
- `ErrorNeurons`: the output layer's error neurons. S = a_in + bias, O = f(S/out_scale),
  e = T − O; sends y2 = clip(round(e·err_scale), −128, 127) (float: e) to its own synapses and
  on `s_out` to the channel's feedback projections; `o_out` reports S.
- `GradedRelay`: a Distinct channel's own error neurons: forward the graded input unchanged.
- `GradedActivation`: inference neurons of `hw.graded`. Each step: Σ = a_in + bias (24-bit,
  saturating), sends the graded spike A = F[k(Σ)] of its activation table (`hw.activation`);
  float: A = f(a_in + bias).
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.neuron import LearningNeuronModelFixed, LearningNeuronModelFloat
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.neuron import LearningNeuronProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from neurolocal.network import get_transfer

EPSILON = 1e-6  # float payload of a silent unit (keeps x1 overwritten every step)


class GradedReluNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, act_shift: int = 0,
                 scale: float = 1.0, **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, act_shift=act_shift,
                         scale=scale, **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.bias = Var(shape=shape, init=bias)


class ErrorNeurons(LearningNeuronProcess, AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...], bias, learning_rule, transfer: str,
                 out_scale: float = 1.0, err_scale: float = 1.0, **kwargs) -> None:
        super().__init__(shape=shape, learning_rule=learning_rule, transfer=transfer,
                         out_scale=out_scale, err_scale=err_scale, **kwargs)
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


class _Silent:
    """Sends the unused learning outputs (bAP, y1, y3) as zeros."""

    def send_learning(self, y2: np.ndarray) -> None:
        zeros = np.zeros(y2.shape, dtype=y2.dtype)
        self.s_out_bap.send(np.zeros(y2.shape, dtype=bool))
        self.s_out_y1.send(zeros)
        self.s_out_y2.send(y2)
        self.s_out_y3.send(zeros)


@implements(proc=GradedReluNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyGradedReluFloat(_Silent, LearningNeuronModelFloat):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self) -> None:
        s = self.a_in.recv() + self.bias
        third = self.a_third_factor_in.recv()
        self.s_out.send(np.maximum(np.maximum(s, 0.0) / self.proc_params["scale"], EPSILON))
        self.send_learning((s > 0) * third)


@implements(proc=GradedReluNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedReluFixed(_Silent, LearningNeuronModelFixed):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        s = self.a_in.recv().astype(np.int64) + self.bias
        third = self.a_third_factor_in.recv().astype(np.int64)
        payload = 2 * np.clip(np.right_shift(s, self.proc_params["act_shift"]), 0, 127)
        self.s_out.send(np.where(payload == 0, 1, payload).astype(np.int32))
        self.send_learning(np.clip((s > 0) * third, -128, 127).astype(np.int32))


@implements(proc=ErrorNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyErrorNeuronsFloat(_Silent, LearningNeuronModelFloat):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    t_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    o_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self) -> None:
        s = self.a_in.recv() + self.bias
        target = self.t_in.recv()
        error = target - get_transfer(self.proc_params["transfer"])(s)
        self.s_out.send(error)
        self.o_out.send(s)
        self.send_learning(error)


@implements(proc=ErrorNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyErrorNeuronsFixed(_Silent, LearningNeuronModelFixed):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    t_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    o_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        s = self.a_in.recv().astype(np.int64) + self.bias
        target = self.t_in.recv()  # T·err_scale, integers
        out = get_transfer(self.proc_params["transfer"])(s / self.proc_params["out_scale"])
        error = np.clip(target - np.round(out * self.proc_params["err_scale"]), -128, 127)
        self.s_out.send(error.astype(np.int32))
        self.o_out.send(s.astype(np.int32))
        self.send_learning(error.astype(np.int32))


@implements(proc=GradedRelay, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyGradedRelayFloat(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def run_spk(self) -> None:
        self.s_out.send(self.a_in.recv())


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
