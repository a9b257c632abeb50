"""Errors of the hardware layer. All are `ValueError`/`RuntimeError` subclasses with one-line
messages, so `neurolocal deploy` prints them as one line and exits 2."""

from __future__ import annotations

from neurolocal.errors import UserError


class HardwareError(UserError):
    """Base class of the hardware layer's user-facing errors."""


class MappingError(HardwareError):
    """A network does not fit the target; the message names the limit and the excess."""


class ChannelMappingError(MappingError):
    """A learning channel cannot be built on the target (e.g. Bidirectional); inference of the
    forward network is still possible."""


class RuleCompileError(HardwareError):
    """A `LocalRule` cannot be expressed (exactly) as a Loihi learning-rule string."""


class HardwareUnavailableError(HardwareError):
    """The real-hardware path was requested but the proprietary Lava extension is missing."""


class LavaRunError(HardwareError):
    """A Lava simulation failed in its child process; the message carries the child's error and
    `child_traceback` the full traceback."""

    def __init__(self, message: str, child_traceback: str = ""):
        super().__init__(message)
        self.child_traceback = child_traceback


class LavaTimeoutError(LavaRunError):
    """A Lava simulation exceeded its timeout; its whole process group was killed."""
