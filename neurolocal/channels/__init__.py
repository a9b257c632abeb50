"""Learning channels (THEORY.md section 6): what reaches deep synapses, and through which
pathways. See docs/channels.md."""

from .architectures import (
    ARCHITECTURES,
    Architecture,
    Bidirectional,
    Conjoined,
    Distinct,
    Twin,
    get_architecture,
)
from .base import (
    MATRIX_KINDS,
    SYMMETRIES,
    Channel,
    ChannelError,
    CostModel,
    ForwardPass,
    ForwardSignals,
    LayerVariables,
    Pathway,
    backprop_signals,
    forward_pass,
    output_error,
    output_loss,
    score_outputs,
)
from .feedback import FeedbackChannel
from .local import LocalChannel
from .network import channel_network
from .registry import (
    CHANNELS,
    available_channels,
    channel_from_dict,
    channel_label,
    describe_channel,
    get_channel,
    parse_channel_spec,
    split_channel_list,
)
from .sigprop import SigPropChannel

__all__ = ["ARCHITECTURES", "CHANNELS", "MATRIX_KINDS", "SYMMETRIES", "Architecture",
           "Bidirectional", "Channel", "ChannelError", "CostModel", "Conjoined", "Distinct",
           "FeedbackChannel", "ForwardPass", "ForwardSignals", "LayerVariables",
           "LocalChannel", "Pathway", "SigPropChannel", "Twin", "available_channels",
           "backprop_signals",
           "channel_from_dict", "channel_label", "channel_network", "describe_channel",
           "forward_pass", "get_architecture", "get_channel", "output_error", "output_loss",
           "parse_channel_spec", "score_outputs", "split_channel_list"]
