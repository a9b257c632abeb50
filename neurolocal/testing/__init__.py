"""Test helpers other projects can use: the backend conformance suite (`conformance`), and the
pytest plugin that registers it (`plugin`)."""

from .conformance import BackendConformance, SpikingConformance

__all__ = ["BackendConformance", "SpikingConformance"]
