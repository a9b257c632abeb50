"""Run on-chip learning (`hw.learning.LearningPlan`) on Lava's CPU simulator. Imported only
inside an isolated child process (`run_isolated("hw.lava_learning:run_learning", ...)`).

Graph per projection h: LearningDense (graded input, Loihi3FLearningRule with the compiled
``dw``, x1 overwritten by each graded spike) → GradedReluNeurons (hidden) or ErrorNeurons
(output), whose y2 output feeds the LearningDense's third factor. The output error travels
through the channel's feedback Dense C^h (and, for a Distinct channel, the channel's own relay
neurons and a one-to-one Dense) into the hidden neurons' third-factor input. Each sample is
held for one learning epoch of `plan.epoch_steps` steps.
"""

from __future__ import annotations

import logging

import numpy as np

from .learning import ERR_SCALE, OUT_SCALE, TRACE_TAU, LearningPlan, input_payload


def run_learning(plan: LearningPlan, x: np.ndarray, targets: np.ndarray, fixed: bool,
                 weights: list[np.ndarray], seed: int = 0
                 ) -> tuple[list[np.ndarray], np.ndarray]:
    """Learn x (N, n_in) → targets (N, n_out) sample by sample; return the learned weights
    and the output S^L read at the end of each sample's epoch (before its update)."""
    from lava.magma.core.learning.constants import GradedSpikeCfg
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
    from lava.magma.core.process.process import LogConfig
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense, LearningDense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.utils.weightutils import SignMode

    from .lava_procs.processes import ErrorNeurons, GradedRelay, GradedReluNeurons

    steps = plan.epoch_steps
    total = len(x) * steps
    dtype = np.int32 if fixed else np.float64
    inputs = np.repeat(input_payload(x, fixed).T, steps, axis=1).astype(dtype)
    goal = np.round(targets * ERR_SCALE) if fixed else targets
    source = Source(data=inputs)
    target_source = Source(data=np.repeat(goal.T, steps, axis=1).astype(dtype))

    def dense(w: np.ndarray, exp: int, **kwargs):
        if fixed:
            return (LearningDense if "learning_rule" in kwargs else Dense)(
                weights=w.astype(np.int32), weight_exp=exp, num_weight_bits=8,
                sign_mode=SignMode.MIXED, num_message_bits=24, **kwargs)
        return (LearningDense if "learning_rule" in kwargs else Dense)(
            weights=w.astype(np.float64), num_message_bits=24, **kwargs)

    port = source.s_out
    populations, learning = [], []
    for proj, w in zip(plan.projections, weights):
        rule = Loihi3FLearningRule(dw=(proj.fixed_rule if fixed else proj.float_rule).dw,
                                   x1_tau=TRACE_TAU, t_epoch=steps,
                                   rng_seed=seed)
        # the process we run logs at INFO: Lava's runtime reports a failing actor's traceback
        # only at that level (see hw._child)
        logging_options = {} if learning else {"log_config": LogConfig(level=logging.INFO)}
        synapses = dense(w, proj.weight_exp, learning_rule=rule,
                         graded_spike_cfg=GradedSpikeCfg.OVERWRITE, **logging_options)
        port.connect(synapses.s_in)
        bias = proj.fixed_bias.astype(np.int32) if fixed else proj.bias
        shape = (w.shape[0],)
        if proj.is_output:
            neurons = ErrorNeurons(shape=shape, bias=bias, learning_rule=rule,
                                   transfer=plan.output_transfer,
                                   out_scale=OUT_SCALE if fixed else 1.0,
                                   err_scale=ERR_SCALE if fixed else 1.0)
            target_source.s_out.connect(neurons.t_in)
        else:
            neurons = GradedReluNeurons(shape=shape, bias=bias, learning_rule=rule,
                                        act_shift=6)
        synapses.a_out.connect(neurons.a_in)
        for out, into in ((neurons.s_out_bap, synapses.s_in_bap),
                          (neurons.s_out_y1, synapses.s_in_y1),
                          (neurons.s_out_y2, synapses.s_in_y2),
                          (neurons.s_out_y3, synapses.s_in_y3)):
            out.connect(into)
        populations.append(neurons)
        learning.append(synapses)
        port = neurons.s_out
    output = populations[-1]
    for fb in plan.feedback:
        feedback = dense(fb.fixed_weights if fixed else fb.weights, fb.weight_exp)
        output.s_out.connect(feedback.s_in)
        if plan.relay:  # the channel's own error neurons, then one-to-one delivery
            relay = GradedRelay(shape=(fb.weights.shape[0],))
            feedback.a_out.connect(relay.a_in)
            eye = np.eye(fb.weights.shape[0])
            delivery = dense(2 * eye if fixed else eye, -1)
            relay.s_out.connect(delivery.s_in)
            delivery.a_out.connect(populations[fb.dest - 1].a_third_factor_in)
        else:
            feedback.a_out.connect(populations[fb.dest - 1].a_third_factor_in)
    sink = Sink(shape=(targets.shape[1],), buffer=total)
    output.o_out.connect(sink.a_in)
    config = Loihi2SimCfg(select_tag="fixed_pt" if fixed else "floating_pt")
    learning[0].run(condition=RunSteps(num_steps=total), run_cfg=config)
    try:
        learned = [np.asarray(s.weights.get()) for s in learning]
        recorded = np.asarray(sink.data.get())
    finally:
        learning[0].stop()
    online = recorded[:, steps - 1::steps].T
    if fixed:
        learned = [w.astype(np.int64) for w in learned]
    return learned, online
