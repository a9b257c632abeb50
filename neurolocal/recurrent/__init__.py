"""Recurrent networks unfolded in time: BPTT, RBP and SRBP through time, sequence tasks."""

from .network import (
    CHANNELS,
    RecurrentNetwork,
    RecurrentRun,
    accuracy,
    train_recurrent,
    update_cosine,
)
from .tasks import TASKS, sequence_task

__all__ = ["CHANNELS", "TASKS", "RecurrentNetwork", "RecurrentRun", "accuracy",
           "sequence_task", "train_recurrent", "update_cosine"]
