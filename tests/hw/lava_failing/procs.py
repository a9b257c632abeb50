"""`Exploding`: a sink Process whose model raises at time step 3 (an error inside a Lava actor
process, which Lava reports only as "1 Exception(s) occurred" and logs at INFO)."""

from __future__ import annotations

import logging

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol


class Exploding(AbstractProcess):
    def __init__(self, *, shape: tuple[int, ...]) -> None:
        super().__init__(shape=shape)
        self.a_in = InPort(shape=shape)


@implements(proc=Exploding, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyExploding(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)

    def run_spk(self) -> None:
        self.a_in.recv()
        if self.time_step == 3:
            raise OverflowError("synthetic failure inside a Lava actor at step 3")


def run_exploding(steps: int = 10) -> None:
    from lava.magma.core.process.process import LogConfig
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer as Source

    source = Source(data=np.ones((3, steps)))
    dense = Dense(weights=np.eye(3), log_config=LogConfig(level=logging.INFO))
    sink = Exploding(shape=(3,))
    source.s_out.connect(dense.s_in)
    dense.a_out.connect(sink.a_in)
    dense.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg())
    dense.stop()
