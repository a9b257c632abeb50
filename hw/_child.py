"""Entry point of an isolated Lava run (see `hw.runner`): ``python -m hw._child REQUEST REPLY``.

Reads (target, kwargs) from REQUEST, calls the target, writes ("ok", result) or
("error", (message, traceback)) to REPLY. After an error it exits with `os._exit` without calling
Lava's `stop()` (which can block forever after a failure); the parent kills the process group.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
import traceback


def main(request: str, reply: str) -> None:
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
