"""pytest plugin of neurolocal (entry point ``pytest11: neurolocal``, or
``pytest_plugins = ["neurolocal.testing.plugin"]`` in a root conftest.py).

It registers the ``conformance`` marker and the option ``--conformance-backend NAME`` that
restricts the suite to one backend. A backend outside this repository runs the suite against
itself by subclassing the suite classes in one of its test files::

    from neurolocal.testing import BackendConformance, SpikingConformance

    class TestMine(BackendConformance):
        backend = MyBackend()          # .name, .unsupported (feature names), .build(...)
        tolerance = 1e-6

    class TestMineSpiking(SpikingConformance):
        backend = MyBackend()
        options = {"sample_time": 0.03}  # build options for short spiking runs

Features listed in ``backend.unsupported`` (see `conformance.FEATURES`) must raise
`neurolocal.backends.UnsupportedError`; everything else must work.
"""

from __future__ import annotations


def pytest_addoption(parser) -> None:
    parser.addoption("--conformance-backend", default=None,
                     help="run the neurolocal conformance suite for this backend name only")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "conformance: neurolocal backend conformance suite")


def pytest_collection_modifyitems(config, items) -> None:
    import pytest

    only = config.getoption("--conformance-backend")
    for item in items:
        backend = getattr(getattr(item, "cls", None), "backend", None)
        if backend is None or not hasattr(item.cls, "conformance_suite"):
            continue
        item.add_marker(pytest.mark.conformance)
        if only is not None and backend.name != only:
            item.add_marker(pytest.mark.skip(reason=f"--conformance-backend {only}"))
