"""A Lava Process that fails mid-run, for the runner tests. Alone in its package because Lava's
compiler imports every module of a Process's package."""
