"""The library's error types for user mistakes, and the run-level conditions the CLI reports.

Every error that is the input's fault (a bad rule, network, file, size or option) derives from
`UserError`; the CLI prints it as one line and exits 2. Anything else is a bug and is reported
as an internal error (exit 3). `UserError` is a `ValueError`, so ``except ValueError`` keeps
working for library users.
"""

from __future__ import annotations


class UserError(ValueError):
    """Bad input: a rule, network, option, file or size the library refuses, with a one-line
    message naming the offending part."""


class ResourceError(UserError):
    """A request that needs more memory than the machine has; the message gives the
    estimate and what is available."""


class Interrupted(BaseException):
    """A run ended by a signal (SIGINT, SIGTERM, SIGHUP). A `BaseException`, like
    KeyboardInterrupt, so ``except Exception`` clean-up paths do not swallow it while
    ``finally`` blocks and context managers still run."""

    def __init__(self, signum: int):
        import signal

        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.name}")
