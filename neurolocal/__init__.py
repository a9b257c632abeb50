"""neurolocal: local learning rules, the learning channel, and their simulation.

The public API: rules (`LocalRule`, `get_rule`), network descriptions (`Network`), learning
channels (`get_channel`), backends (`get_backend`), data (`load_dataset`), model files
(`save_model`, `load_model`) and the single-layer simulator (`train_layer`). Theory lives in
`neurolocal.theory`, capacity in `neurolocal.capacity`, recurrent networks in
`neurolocal.recurrent`; the hardware layer is the separate package `hw`.
"""

from .backends import (
    TrainingHistory,
    UnsupportedError,
    available_backends,
    get_backend,
)
from .backends.numpy.layer import train_layer
from .channels import Channel, channel_from_dict, channel_network, get_channel
from .data import Dataset, load_dataset, load_digits
from .io import ModelFileError, load_model, save_model
from .network import Network, NetworkError, Population, Projection, get_transfer
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

__all__ = [
    "NAMED_RULES", "Channel", "CompiledRule", "Dataset", "LocalRule", "LocalityContext",
    "ModelFileError", "Network", "NetworkError", "Population", "Projection", "RuleError", "Term",
    "TrainingHistory", "UnsupportedError", "__version__", "available_backends",
    "channel_from_dict", "channel_network", "enumerate_monomials", "get_backend", "get_channel",
    "get_rule", "get_transfer", "load_dataset", "load_digits", "load_model", "save_model",
    "train_layer",
]
