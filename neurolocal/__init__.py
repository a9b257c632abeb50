"""neurolocal: local learning rules, the learning channel, and their simulation."""

from .channels import Channel, channel_from_dict, channel_network, get_channel
from .io import ModelFileError, load_model, save_model
from .rules import (
    NAMED_RULES,
    CompiledRule,
    LocalityContext,
    LocalRule,
    RuleError,
    Term,
    enumerate_monomials,
    get_rule,
)

__version__ = "0.1.0"

__all__ = ["NAMED_RULES", "CompiledRule", "LocalRule", "LocalityContext", "RuleError", "Term",
           "enumerate_monomials", "get_rule", "__version__", "Channel", "channel_from_dict",
           "channel_network", "get_channel", "ModelFileError", "load_model", "save_model"]
