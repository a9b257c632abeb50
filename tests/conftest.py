"""Suite-wide settings. Under CI (the CI environment variable set), hypothesis runs
derandomized: every run draws the same examples, so a landing is never decided by a new random
draw; locally each run draws anew and keeps exploring."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
