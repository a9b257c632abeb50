"""NIR interchange (docs/nir.md): export neurolocal models as NIR graphs of standard nodes,
import feed-forward spiking chains written by other libraries, carry the learning channel and
rules in a namespaced ``/neurolocal`` extension, and simulate NIR chains under NIR's equations.

- `write_nir`, `read_nir` (also `neurolocal.io.load_nir`): files;
- `chain_from_graph`, `graph_from_chain`, `Stage`: a NIR graph as a layered chain;
- `model_from_stages`, `stages_from_model`: the rate model of a chain and back;
- `Neuron`: NIR's neuron equations (rate map, exact step); `simulate`: time-stepped runs.
"""

from .chain import NIRImportError, Stage, chain_from_graph, graph_from_chain
from .convert import model_from_stages, stages_from_model
from .extension import read_extension, write_extension
from .files import read_graph, read_nir, write_nir
from .neurons import Neuron
from .simulate import simulate

__all__ = ["NIRImportError", "Neuron", "Stage", "chain_from_graph", "graph_from_chain",
           "model_from_stages", "read_extension", "read_graph", "read_nir", "simulate",
           "stages_from_model", "write_extension", "write_nir"]
