"""Run on-chip learning (`hw.learning.LearningPlan`) on Lava's CPU simulator, fixed point.
Imported only inside an isolated child process (`run_isolated("hw.lava_learning:...", ...)`).

Graph: per projection h a LearningDense (graded input, Loihi3FLearningRule with the compiled
``dw``, x1 overwritten by each graded spike; a plain Dense when every term is dropped) →
GradedLearningNeurons (hidden) or ErrorNeurons (output), whose y1/y2/y3 feed the LearningDense.
Per channel pathway source → dest: a Dense C from the source layer's error output
(ErrorNeurons.s_out, or GradedLearningNeurons.e_out for a chained pathway) to the destination's
third-factor input, through the channel's own relay neurons and a one-to-one Dense when the
channel is Distinct or Twin; a learned pathway (ARBP, ASRBP) is a LearningDense with its own
rule whose y traces come from the destination neurons (their OutPorts fan out). Each sample is
held for `plan.epoch_steps` steps, the last one the trace step (`hw.fixed_point`); the output
S^L is read at the last step of each sample. Returns the learned matrices in `initial_weights`
order (W^1..W^L, then the learned C's).
"""

from __future__ import annotations

import logging

import numpy as np

from .fixed_point import TRACE_TAU, forward_payload, input_activity, trace_payload
from .learning import LearningPlan


def _build(plan: LearningPlan, x: np.ndarray, targets: np.ndarray | None,
           weights: list[np.ndarray], seed: int):
    from lava.magma.core.learning.constants import GradedSpikeCfg
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
    from lava.magma.core.process.process import LogConfig
    from lava.proc.dense.process import Dense, LearningDense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.utils.weightutils import SignMode

    from .lava_procs.processes import ErrorNeurons, GradedLearningNeurons, GradedRelay

    steps = plan.epoch_steps
    learn = targets is not None
    activity = input_activity(x).T
    payloads = np.repeat(forward_payload(activity), steps, axis=1)
    payloads[:, steps - 1::steps] = trace_payload(activity)  # each epoch's trace step
    source = Source(data=payloads.astype(np.int32))
    goal = np.zeros((len(x), plan.projections[-1].fixed_weights.shape[0])) if targets is None \
        else np.round(targets * plan.error_unit)
    target_source = Source(data=np.repeat(goal.T, steps, axis=1).astype(np.int32))

    def dense(w: np.ndarray, exp: int, **kwargs):
        return (LearningDense if "learning_rule" in kwargs else Dense)(
            weights=w.astype(np.int32), weight_exp=exp, num_weight_bits=9,
            sign_mode=SignMode.MIXED, num_message_bits=24, **kwargs)

    def learning(w: np.ndarray, exp: int, rule, t_epoch: int, **kwargs):
        """(LearningDense with `rule`'s dw, x1 overwritten by each graded spike, and its Lava
        rule), or (plain Dense, None) when every term is dropped: Lava's parser refuses "0"
        and the weights never change."""
        if rule.dw == "0":
            return dense(w, exp, **kwargs), None
        engine = Loihi3FLearningRule(dw=rule.dw, x1_tau=TRACE_TAU, rng_seed=seed,
                                     t_epoch=t_epoch)
        return dense(w, exp, learning_rule=engine, graded_spike_cfg=GradedSpikeCfg.OVERWRITE,
                     **kwargs), engine

    port, populations, synapses_all = source.s_out, [], []
    for proj, w in zip(plan.projections, weights):
        # inference: an epoch longer than the run, so the engine never updates (a plain Dense
        # would truncate the learned odd weights to 8 bits). The process we run logs at INFO:
        # Lava's runtime reports a failing actor's traceback only at that level (hw._child)
        options = {} if synapses_all else {"log_config": LogConfig(level=logging.INFO)}
        synapses, rule = learning(w, proj.weight_exp, proj.rule,
                                  steps if learn else len(x) * steps + 1, **options)
        port.connect(synapses.s_in)
        bias, shape = proj.fixed_bias.astype(np.int32), (w.shape[0],)
        if proj.is_output:
            neurons = ErrorNeurons(shape=shape, bias=bias, learning_rule=rule,
                                   table=plan.output_table, steps=steps)
            target_source.s_out.connect(neurons.t_in)
        else:
            neurons = GradedLearningNeurons(shape=shape, bias=bias, learning_rule=rule,
                                            unit=proj.unit, steps=steps)
        synapses.a_out.connect(neurons.a_in)
        if rule is not None:
            _connect_post_traces(neurons, synapses)
        populations.append(neurons)
        synapses_all.append(synapses)
        port = neurons.s_out
    if learn:
        depth = len(populations)
        learned = iter(weights[depth:])
        for fb in plan.feedback:
            sender = populations[-1].s_out if fb.source == depth else \
                populations[fb.source - 1].e_out
            if fb.rule is None:
                feedback = dense(fb.fixed_weights, fb.weight_exp)
            else:  # learns: x1 from the error's trace step, y traces from the dest neurons
                feedback, rule = learning(next(learned), fb.weight_exp, fb.rule, steps)
                if rule is not None:
                    _connect_post_traces(populations[fb.dest - 1], feedback)
                synapses_all.append(feedback)
            sender.connect(feedback.s_in)
            receiver = populations[fb.dest - 1].a_third_factor_in
            if plan.relay:  # the channel's own error neurons, then one-to-one delivery
                relay = GradedRelay(shape=(fb.fixed_weights.shape[0],))
                feedback.a_out.connect(relay.a_in)
                delivery = dense(2 * np.eye(fb.fixed_weights.shape[0]), -1)
                relay.s_out.connect(delivery.s_in)
                delivery.a_out.connect(receiver)
            else:
                feedback.a_out.connect(receiver)
    sink = Sink(shape=(populations[-1].s_out.shape[0],), buffer=len(x) * steps)
    populations[-1].o_out.connect(sink.a_in)
    return synapses_all, sink


def _connect_post_traces(neurons, synapses) -> None:
    """The postsynaptic side of a LearningDense: back-propagating spike and y1..y3 from
    `neurons` (OutPorts fan out, so one population can serve several LearningDenses)."""
    for name in ("bap", "y1", "y2", "y3"):
        getattr(neurons, f"s_out_{name}").connect(getattr(synapses, f"s_in_{name}"))


def _run(plan: LearningPlan, x: np.ndarray, targets: np.ndarray | None,
         weights: list[np.ndarray], seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    synapses, sink = _build(plan, x, targets, weights, seed)
    steps = plan.epoch_steps
    synapses[0].run(condition=RunSteps(num_steps=len(x) * steps),
                    run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
    try:
        learned = [np.asarray(s.weights.get()).astype(np.int64) for s in synapses]
        recorded = np.asarray(sink.data.get())
    finally:
        synapses[0].stop()
    return learned, recorded[:, steps - 1::steps].T


def run_learning(plan: LearningPlan, x: np.ndarray, targets: np.ndarray,
                 weights: list[np.ndarray], seed: int = 0
                 ) -> tuple[list[np.ndarray], np.ndarray]:
    """Learn x (N, n_in) → targets (N, n_out) sample by sample; the learned weights and the
    output S^L at the end of each sample's epoch (before its update)."""
    return _run(plan, x, targets, weights, seed)


def run_inference(plan: LearningPlan, x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """Output S^L for each row of x with the (learned) weights, on Lava."""
    return _run(plan, x, None, weights, 0)[1]
