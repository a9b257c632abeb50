"""Network descriptions: populations, projections, and the learning channel they expect."""

from .description import (
    ChannelLike,
    Network,
    NetworkError,
    Population,
    Projection,
    projection_sizes,
)
from .transfer import TRANSFERS, Transfer, get_transfer

__all__ = ["TRANSFERS", "ChannelLike", "Network", "NetworkError", "Population", "Projection",
           "Transfer", "get_transfer", "projection_sizes"]
