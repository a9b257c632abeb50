"""Entry point of an isolated Lava run (see `hw.runner`): ``python -m hw._child REQUEST REPLY``.

Reads (target, kwargs) from REQUEST, calls the target, writes ("ok", result) or
("error", (message, traceback)) to REPLY. After an error it exits with `os._exit` without calling
Lava's `stop()` (which can block forever after a failure); the parent kills the process group.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import sys
import traceback

#: Lava's runtime logs a failing actor's traceback at INFO (and only says "1 Exception(s)
#: occurred" in the exception); Lava runs here use ``loglevel=logging.INFO`` in their run
#: configuration, and this handler sends those records to the child's output, which the parent
#: attaches to `LavaRunError.child_traceback`.
LAVA_RUNTIME_LOGGER = "lava.magma.runtime.runtime"


def main(request: str, reply: str) -> None:
    logging.getLogger(LAVA_RUNTIME_LOGGER).addHandler(logging.StreamHandler(sys.stderr))
    with open(request, "rb") as handle:
        target, kwargs = pickle.load(handle)
    module, _, function = target.partition(":")
    try:
        result = ("ok", getattr(importlib.import_module(module), function)(**kwargs))
    except BaseException as error:  # report everything, including KeyboardInterrupt
        result = ("error", (f"{type(error).__name__}: {error}".splitlines()[0],
                            traceback.format_exc()))
    with open(reply + ".tmp", "wb") as handle:
        pickle.dump(result, handle)
    os.replace(reply + ".tmp", reply)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if result[0] == "ok" else 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
